import { contactsImport } from './contacts-import.ts';
import { contactsReport } from './contacts-report.ts';
import { maintenanceCleanup } from './maintenance-cleanup.ts';

/** Every job type the worker runs. The web app may enqueue any of them; only the worker runs them. */
export const jobDefinitions = [contactsImport, contactsReport, maintenanceCleanup] as const;

export type JobName = (typeof jobDefinitions)[number]['name'];

export { contactsImport, contactsReport, maintenanceCleanup };
