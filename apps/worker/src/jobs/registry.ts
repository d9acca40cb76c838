import {
  backup,
  backupVerify,
  // demo:start
  contactsImport,
  contactsReport,
  // demo:end
  exampleProcess,
  maintenanceCleanup,
} from '@app/shared/contracts';
import { lazyHandler, type RegisteredJob } from './handler.ts';

/**
 * The worker's job registry: one line per job type, pairing a definition with its handler file,
 * which is imported on the job type's first run (`lazyHandler`). The worker env's schedule
 * settings follow from these definitions.
 */
export const registry: readonly RegisteredJob[] = [
  lazyHandler(
    exampleProcess,
    async () => (await import('./handlers/example-process.ts')).exampleProcessHandler,
  ),
  // demo:start
  lazyHandler(
    contactsImport,
    async () => (await import('./handlers/contacts-import.ts')).importContactsHandler,
  ),
  lazyHandler(
    contactsReport,
    async () => (await import('./handlers/contacts-report.ts')).contactsReportHandler,
  ),
  // demo:end
  lazyHandler(
    maintenanceCleanup,
    async () => (await import('./handlers/maintenance-cleanup.ts')).maintenanceCleanupHandler,
  ),
  lazyHandler(backup, async () => (await import('./handlers/backup.ts')).backupHandler),
  lazyHandler(
    backupVerify,
    async () => (await import('./handlers/backup-verify.ts')).backupVerifyHandler,
  ),
];
