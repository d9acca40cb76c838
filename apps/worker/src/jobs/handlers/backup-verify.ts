import { backupVerify } from '@app/shared/contracts';
import { UnrecoverableError } from 'bullmq';
import { recordedDrill } from '../../backups/jobs.ts';
import { RestoreCheckError } from '../../backups/restore.ts';
import { defineHandler } from '../handler.ts';

export const backupVerifyHandler = defineHandler(backupVerify, async (_payload, ctx) => {
  const settings = ctx.settings.backup;
  if (!settings) throw new UnrecoverableError('backups are not configured in this worker');
  try {
    const result = await recordedDrill(ctx.db.db, settings, { databaseUrl: settings.databaseUrl });
    ctx.logger.info({ file: result.file, tables: result.tables }, 'restore drill passed');
    return { file: result.file, tables: result.tables };
  } catch (error) {
    ctx.logger.error({ err: error, attempt: ctx.job.attemptsMade + 1 }, 'restore drill failed');
    // A damaged backup or wrong counts stay so on a retry.
    if (error instanceof RestoreCheckError) throw new UnrecoverableError(error.message);
    throw error;
  }
});
