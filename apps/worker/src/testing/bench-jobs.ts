import { defineJob } from '@app/shared/contracts';
import { z } from 'zod';
import { defineHandler, type RegisteredJob } from '../jobs/handler.ts';

// Job types for `make bench-jobs` only: never in the production registry. Each has a `raw`
// twin, the same work as a bare BullMQ processor, so the benchmark can compare the runtime
// (registry lookup, payload validation, context, logging, metrics) with the ceiling.

export const benchNoop = defineJob({
  name: 'bench.noop',
  queue: 'maintenance',
  payload: z.object({ n: z.number().int() }),
  retry: { attempts: 1, backoff: { type: 'fixed', delay: 1000 } },
});

export const benchUpsert = defineJob({
  name: 'bench.upsert',
  queue: 'maintenance',
  payload: z.object({ email: z.email(), name: z.string().max(200) }),
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
});

type Sql = Parameters<RegisteredJob['handle']>[1]['db']['sql'];

/** One idempotent upsert: the shape of most real jobs' database work. */
export const upsertContact = (sql: Sql, email: string, name: string) => sql`
  insert into contacts (email, name) values (${email}, ${name})
  on conflict (email) do update set name = excluded.name, updated_at = now()`;

export const benchRegistry: readonly RegisteredJob[] = [
  defineHandler(benchNoop, async () => undefined),
  defineHandler(benchUpsert, async ({ email, name }, ctx) => {
    await upsertContact(ctx.db.sql, email, name);
  }),
];

export { startJobRuntime } from '../jobs/runtime.ts';
