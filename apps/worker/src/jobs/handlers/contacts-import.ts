import { type ImportCheckpoint, type ImportView, importView } from '@app/db';
import { contactsImport } from '@app/shared/contracts';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { importFile } from '../../imports/import-file.ts';
import {
  claimImport,
  commitBatch,
  completeImport,
  failImport,
  ImportTakenOver,
} from '../../imports/import-store.ts';
import { defineHandler } from '../handler.ts';

const PROGRESS_EVERY_MS = 250;

export const importContactsHandler = defineHandler(contactsImport, async ({ importId }, ctx) => {
  const { sql } = ctx.db;
  const log = ctx.logger.child({ importId, jobId: ctx.job.id, attempt: ctx.job.attemptsMade + 1 });
  const claimed = await claimImport(sql, importId);
  if (!claimed) {
    log.info('import already completed, cancelled or deleted: nothing to do');
    return { skipped: true };
  }
  const publish = (view: ImportView) => ctx.publish({ type: 'import.updated', import: view });
  publish(importView(claimed));
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
      batchSize: ctx.settings.importBatchSize,
      sink: async (batch) => {
        const result = await commitBatch(sql, importId, checkpoint, batch);
        if (result.kind === 'cancelled') {
          stoppedFor = 'cancel';
          publish(result.view);
          return 'stop';
        }
        checkpoint = result.checkpoint;
        // Progress a few times a second at most, however small the batches.
        if (Date.now() - lastEvent >= PROGRESS_EVERY_MS) {
          lastEvent = Date.now();
          publish(result.view);
        }
        if (ctx.settings.importBatchDelayMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, ctx.settings.importBatchDelayMs));
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
    publish(await completeImport(sql, importId));
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
      const failed = await failImport(sql, importId, message).catch(() => undefined);
      if (failed) publish(failed);
    }
    throw error;
  }
});
