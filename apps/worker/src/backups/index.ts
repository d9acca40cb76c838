// What `make backup` and `make restore` (scripts/backup) use: the worker's own backup code.
export { runBackup } from './backup.ts';
export { type BackupFile, listBackups, readMetadata } from './files.ts';
export { errorText, recordedBackup, recordedDrill } from './jobs.ts';
export { databaseName, withDatabase } from './pg-tools.ts';
export { quoteIdent, RestoreCheckError, restoreAndVerify } from './restore.ts';
export { backupSettingsFrom } from './settings.ts';
