import { eventsKey, maintenanceCleanup, queueNames, retention } from '@app/shared/contracts';
import { defineHandler } from '../handler.ts';

// Deletes run in bounded batches: short transactions, no long locks, and a run interrupted by a
// deploy has still made progress (the next run carries on).
// demo:start
const IMPORTS_PER_BATCH = 200;
const ERRORS_PER_BATCH = 10_000;
// demo:end
const JOBS_PER_CLEAN = 1000;
/** Live events older than this are no use to a reconnecting browser (it refetches instead). */
const EVENTS_KEPT_MS = 24 * 3600 * 1000;

export type CleanupResult = {
  // demo:start
  importFiles: number;
  importChunks: number;
  importErrors: number;
  // demo:end
  redisJobs: { completed: number; failed: number };
  events: number;
};

export const maintenanceCleanupHandler = defineHandler(
  maintenanceCleanup,
  async (_payload, ctx) => {
    const result: CleanupResult = {
      // demo:start
      importFiles: 0,
      importChunks: 0,
      importErrors: 0,
      // demo:end
      redisJobs: { completed: 0, failed: 0 },
      events: 0,
    };

    // demo:start
    const { sql } = ctx.db;
    const { IMPORT_FILE_RETENTION_DAYS: fileDays, IMPORT_ERROR_RETENTION_DAYS: errorDays } =
      ctx.settings;
    // Uploaded bytes of finished imports: the import row, its counts and its errors stay.
    for (;;) {
      const [batch] = await sql<{ files: number; chunks: number }[]>`
      with expired as (
        update imports set file_deleted_at = now(), updated_at = now()
        where id in (
          select id from imports
          where status in ('completed', 'failed', 'cancelled') and file_deleted_at is null
            and finished_at < now() - make_interval(days => ${fileDays})
          order by finished_at
          limit ${IMPORTS_PER_BATCH}
          for update skip locked)
        returning id
      ), removed as (
        delete from import_chunks c using expired e where c.import_id = e.id returning 1
      )
      select (select count(*) from expired)::int as files, (select count(*) from removed)::int as chunks`;
      result.importFiles += batch?.files ?? 0;
      result.importChunks += batch?.chunks ?? 0;
      if ((batch?.files ?? 0) < IMPORTS_PER_BATCH || ctx.shutdown.aborted) break;
    }

    for (;;) {
      const deleted = await sql`
      delete from import_errors where id in (
        select id from import_errors
        where created_at < now() - make_interval(days => ${errorDays})
        limit ${ERRORS_PER_BATCH})`;
      result.importErrors += deleted.count;
      if (deleted.count < ERRORS_PER_BATCH || ctx.shutdown.aborted) break;
    }
    // demo:end

    // Jobs add `removeOnComplete/removeOnFail`, but BullMQ applies them lazily (when another job of
    // the queue finishes): a queue that went quiet keeps its old jobs until this trims them.
    for (const name of queueNames) {
      const queue = ctx.queues[name];
      for (const [type, keep] of [
        ['completed', retention.removeOnComplete.age],
        ['failed', retention.removeOnFail.age],
      ] as const) {
        for (;;) {
          const removed = await queue.clean(keep * 1000, JOBS_PER_CLEAN, type);
          result.redisJobs[type] += removed.length;
          if (removed.length < JOBS_PER_CLEAN || ctx.shutdown.aborted) break;
        }
      }
    }

    // The events stream is capped by length on every write; this also ages out a quiet stream.
    // Exact MINID: the stream holds at most ~10k entries, so precision costs nothing here.
    result.events = await ctx.redis.xtrim(
      eventsKey(ctx.prefix),
      'MINID',
      `${Date.now() - EVENTS_KEPT_MS}-0`,
    );

    ctx.logger.info(result, 'cleanup done');
    return result;
  },
);
