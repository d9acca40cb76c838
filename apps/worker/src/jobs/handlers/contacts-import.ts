// template-demo
import type { ImportCheckpoint } from '@app/db';
import { contactsImport } from '@app/shared/contracts';
import {
  claimImport,
  commitBatch,
  completeImport,
  failImport,
  type ImportContext,
  ImportTakenOver,
} from '@app/shared/imports';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { importFile } from '../../imports/import-file.ts';
import { defineHandler } from '../handler.ts';

const PROGRESS_EVERY_MS = 250;

export const importContactsHandler = defineHandler(contactsImport, async ({ importId }, ctx) => {
  const { sql } = ctx.db;
  const log = ctx.logger.child({ importId, jobId: ctx.job.id, attempt: ctx.job.attemptsMade + 1 });
  // The lifecycle (@app/shared/imports) changes the import's state and announces each change.
  const lifecycle: ImportContext = { db: ctx.db.db, publish: ctx.publish };
  const claimed = await claimImport(lifecycle, importId);
  if (!claimed) {
    log.info('import already completed, cancelled or deleted: nothing to do');
    return { skipped: true };
  }
  if (claimed.status === 'cancelled') return { cancelled: true };

  let checkpoint: ImportCheckpoint = claimed.checkpoint ?? {
    line: 0,
    bytes: 0,
    processed: 0,
    inserted: 0,
    updated: 0,
    invalid: 0,
  };
  if (checkpoint.line > 0) log.info({ line: checkpoint.line }, 'resuming from checkpoint');

  let lastEvent = 0;
  let stoppedFor: 'cancel' | 'shutdown' | undefined;
  try {
    const outcome = await importFile({
      sql,
      importId,
      checkpoint,
      batchSize: ctx.settings.IMPORT_BATCH_SIZE,
      sink: async (batch) => {
        // Progress a few times a second at most, however small the batches.
        const announceProgress = Date.now() - lastEvent >= PROGRESS_EVERY_MS;
        const result = await commitBatch(lifecycle, importId, checkpoint, batch, {
          announceProgress,
        });
        if (result.kind === 'cancelled') {
          stoppedFor = 'cancel';
          return 'stop';
        }
        checkpoint = result.checkpoint;
        if (announceProgress) lastEvent = Date.now();
        if (ctx.settings.IMPORT_BATCH_DELAY_MS > 0) {
          await new Promise((resolve) => setTimeout(resolve, ctx.settings.IMPORT_BATCH_DELAY_MS));
        }
        // A deploy or Ctrl-C: the batch is committed, so hand the rest to the next worker.
        if (ctx.shutdown.aborted) {
          stoppedFor = 'shutdown';
          return 'stop';
        }
        return 'continue';
      },
    });

    if (outcome === 'stopped' && stoppedFor === 'shutdown') {
      log.info({ line: checkpoint.line }, 'shutting down: import handed back to the queue');
      // Back to the queue without spending an attempt; another worker resumes at the checkpoint.
      await ctx.job.moveToDelayed(Date.now(), ctx.token);
      throw new DelayedError();
    }
    if (outcome === 'stopped') {
      log.info({ line: checkpoint.line }, 'import cancelled');
      return { cancelled: true, ...checkpoint };
    }
    await completeImport(lifecycle, importId);
    log.info(checkpoint, 'import completed');
    return checkpoint;
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    if (error instanceof ImportTakenOver) {
      log.warn('another worker took this import over; stopping without writing');
      throw error;
    }
    const attempts = ctx.job.opts.attempts ?? 1;
    const lastAttempt = error instanceof UnrecoverableError || ctx.job.attemptsMade + 1 >= attempts;
    if (lastAttempt) {
      const message = error instanceof Error ? error.message : String(error);
      await failImport(lifecycle, importId, message).catch(() => undefined);
    }
    throw error;
  }
});
