import type { DbClient } from '@app/db';
import type { AppEvent, JobDefinition } from '@app/shared/contracts';
import type { Logger } from '@app/shared/logger';
import type { Queues } from '@app/shared/queues';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { BackupSettings } from '../backups/settings.ts';

export type JobContext = {
  job: Job;
  /** The lock token, needed to move the job (e.g. back to waiting on shutdown). */
  token: string | undefined;
  db: DbClient;
  logger: Logger;
  /** Aborted when the process is shutting down: long handlers stop at their next safe point. */
  shutdown: AbortSignal;
  /** Best effort live event for the web app; never throws (the database stays the truth). */
  publish: (event: AppEvent) => void;
  settings: JobSettings;
  /** The runtime's queues and Redis connection, for jobs that maintain the queues themselves. */
  queues: Queues;
  redis: Redis;
  prefix: string;
};

export type JobSettings = {
  importBatchSize: number;
  /** Pause after each committed import batch: for demos and crash tests, 0 in production. */
  importBatchDelayMs: number;
  /** Stored uploads of finished imports are deleted after this many days. */
  importFileRetentionDays: number;
  /** Rows of import_errors are deleted after this many days. */
  importErrorRetentionDays: number;
  /** The backup and drill jobs' settings, with the database they back up; unset: they fail. */
  backup?: BackupSettings & { databaseUrl: string };
};

export type JobHandler<TDefinition extends JobDefinition> = (
  payload: z.output<TDefinition['payload']>,
  context: JobContext,
) => Promise<unknown>;

export type RegisteredJob = {
  definition: JobDefinition;
  handle: (payload: unknown, context: JobContext) => Promise<unknown>;
};

/** Pairs a definition with its handler; the payload type flows from the definition's schema. */
export function defineHandler<TDefinition extends JobDefinition>(
  definition: TDefinition,
  handle: JobHandler<TDefinition>,
): RegisteredJob {
  return { definition, handle: handle as RegisteredJob['handle'] };
}

/**
 * A registry entry whose handler module is imported on the first job of its type, not at start:
 * the env schema and the schedules read the definitions without loading any handler code, and a
 * worker consuming one queue never loads the others' handlers. A failed import fails that job
 * (retried like any error) instead of the whole worker.
 */
export function lazyHandler<TDefinition extends JobDefinition>(
  definition: TDefinition,
  load: () => Promise<RegisteredJob>,
): RegisteredJob {
  let loading: Promise<RegisteredJob['handle']> | undefined;
  const handle = async () => {
    const loaded = await load();
    if (loaded.definition !== definition) {
      throw new Error(
        `the handler loaded for "${definition.name}" handles "${loaded.definition.name}"`,
      );
    }
    return loaded.handle;
  };
  return {
    definition,
    handle: async (payload, context) => {
      // A rejected import is not cached: the next attempt imports again.
      loading ??= handle().catch((error: unknown) => {
        loading = undefined;
        throw error;
      });
      return (await loading)(payload, context);
    },
  };
}
