import type { RegisteredJob } from './handler.ts';
import { importContactsHandler } from './handlers/contacts-import.ts';
import { contactsReportHandler } from './handlers/contacts-report.ts';
import { maintenanceCleanupHandler } from './handlers/maintenance-cleanup.ts';

/**
 * The worker's job registry: one line per job type, pairing a definition with its handler.
 */
export const registry: readonly RegisteredJob[] = [
  importContactsHandler,
  contactsReportHandler,
  maintenanceCleanupHandler,
];
