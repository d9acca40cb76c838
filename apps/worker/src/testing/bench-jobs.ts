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
  payload: z.object({ id: z.uuid(), message: z.string().max(200) }),
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
});

type Sql = Parameters<RegisteredJob['handle']>[1]['db']['sql'];

/** One idempotent upsert (of the skeleton's `examples` table): most real jobs' database work. */
export const upsertExample = (sql: Sql, id: string, message: string) => sql`
  insert into examples (id, message) values (${id}, ${message})
  on conflict (id) do update set message = excluded.message, updated_at = now()`;

/** The n-th of a fixed set of row ids, so repeated runs touch the same rows. */
export const benchRowId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const benchRegistry: readonly RegisteredJob[] = [
  defineHandler(benchNoop, async () => undefined),
  defineHandler(benchUpsert, async ({ id, message }, ctx) => {
    await upsertExample(ctx.db.sql, id, message);
  }),
];

export { startJobRuntime } from '../jobs/runtime.ts';
