import type { DbClient } from '@app/db';
import type { AppEvent, JobDefinition, SettingsOf } from '@app/shared/contracts';
import type { Logger } from '@app/shared/logger';
import type { Queues } from '@app/shared/queues';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';

export type JobContext<TSettings = Record<string, unknown>> = {
  job: Job;
  /** The lock token, needed to move the job (e.g. back to waiting on shutdown). */
  token: string | undefined;
  db: DbClient;
  logger: Logger;
  /** Aborted when the process is shutting down: long handlers stop at their next safe point. */
  shutdown: AbortSignal;
  /** Best effort live event for the web app; never throws (the database stays the truth). */
  publish: (event: AppEvent) => void;
  /** The job's own settings (its definition's `settings`), validated at start. */
  settings: TSettings;
  /** The cron pattern (or `off`) this job's schedule runs on; undefined for unscheduled jobs. */
  cron: string | undefined;
  /** The app database's URL, for jobs that run Postgres tools (pg_dump); unset in some tests. */
  databaseUrl: string | undefined;
  /** The runtime's queues and Redis connection, for jobs that maintain the queues themselves. */
  queues: Queues;
  redis: Redis;
  prefix: string;
};

export type JobHandler<TDefinition extends JobDefinition> = (
  payload: z.output<TDefinition['payload']>,
  context: JobContext<SettingsOf<TDefinition>>,
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
