// The job definitions producers may enqueue (the worker's registry says which it runs).
export { backup, backupSettings } from './backup.ts';
export { backupVerify } from './backup-verify.ts';
export { contactsImport } from './contacts-import.ts';
export { contactsReport } from './contacts-report.ts';
export { maintenanceCleanup } from './maintenance-cleanup.ts';
