// The job definitions producers may enqueue (the worker's registry says which it runs).
export { contactsImport } from './contacts-import.ts';
export { contactsReport } from './contacts-report.ts';
export { maintenanceCleanup } from './maintenance-cleanup.ts';
