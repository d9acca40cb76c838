// The job definitions producers may enqueue (the worker's registry says which it runs).
export { backup, backupSettings } from './backup.ts';
export { backupVerify } from './backup-verify.ts';
// demo:start
export { contactsImport } from './contacts-import.ts';
export { contactsReport } from './contacts-report.ts';
// demo:end
export { exampleProcess } from './example-process.ts';
export { maintenanceCleanup } from './maintenance-cleanup.ts';
