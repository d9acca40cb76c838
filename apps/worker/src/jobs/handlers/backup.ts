import { backup } from '@app/shared/contracts';
import { UnrecoverableError } from 'bullmq';
import { recordedBackup } from '../../backups/jobs.ts';
import { backupSettingsFrom } from '../../backups/settings.ts';
import { defineHandler } from '../handler.ts';

export const backupHandler = defineHandler(backup, async (_payload, ctx) => {
  if (!ctx.databaseUrl)
    throw new UnrecoverableError('this worker was started without DATABASE_URL');
  const settings = backupSettingsFrom(ctx.settings, ctx.cron ?? 'off');
  try {
    const result = await recordedBackup(ctx.db.db, settings, { databaseUrl: ctx.databaseUrl });
    ctx.logger.info(
      {
        file: result.file,
        sizeBytes: result.sizeBytes,
        locations: result.locations,
        deleted: result.deleted,
      },
      'backup written',
    );
    return { file: result.file, sizeBytes: result.sizeBytes, locations: result.locations };
  } catch (error) {
    // An error line for every failed attempt: a backup that fails must never fail quietly.
    ctx.logger.error({ err: error, attempt: ctx.job.attemptsMade + 1 }, 'backup failed');
    throw error;
  }
});
