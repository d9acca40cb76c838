import { backupVerify } from '@app/shared/contracts';
import { UnrecoverableError } from 'bullmq';
import { recordedDrill } from '../../backups/jobs.ts';
import { RestoreCheckError } from '../../backups/restore.ts';
import { backupSettingsFrom } from '../../backups/settings.ts';
import { defineHandler } from '../handler.ts';

export const backupVerifyHandler = defineHandler(backupVerify, async (_payload, ctx) => {
  if (!ctx.databaseUrl)
    throw new UnrecoverableError('this worker was started without DATABASE_URL');
  const settings = backupSettingsFrom(ctx.settings, ctx.cron ?? 'off'); // the drill ignores the cron;
  try {
    const result = await recordedDrill(ctx.db.db, settings, { databaseUrl: ctx.databaseUrl });
    ctx.logger.info({ file: result.file, tables: result.tables }, 'restore drill passed');
    return { file: result.file, tables: result.tables };
  } catch (error) {
    ctx.logger.error({ err: error, attempt: ctx.job.attemptsMade + 1 }, 'restore drill failed');
    // A damaged backup or wrong counts stay so on a retry.
    if (error instanceof RestoreCheckError) throw new UnrecoverableError(error.message);
    throw error;
  }
});
