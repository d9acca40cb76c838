import { examples } from '@app/db';
import { exampleProcess } from '@app/shared/contracts';
import { UnrecoverableError } from 'bullmq';
import { eq, sql } from 'drizzle-orm';
import { defineHandler } from '../handler.ts';

/**
 * Marks an example row processed. Idempotent (BullMQ delivers at least once): a second delivery
 * keeps the first time. A row that does not exist cannot appear by retrying, so it is final.
 */
export const exampleProcessHandler = defineHandler(exampleProcess, async ({ id }, ctx) => {
  const [row] = await ctx.db.db
    .update(examples)
    .set({ processedAt: sql`coalesce(${examples.processedAt}, now())`, updatedAt: sql`now()` })
    .where(eq(examples.id, id))
    .returning({ id: examples.id, processedAt: examples.processedAt });
  if (!row) throw new UnrecoverableError(`example ${id} does not exist`);
  ctx.publish({ type: 'example.processed', id });
  return { id, processedAt: row.processedAt?.toISOString() ?? null };
});
