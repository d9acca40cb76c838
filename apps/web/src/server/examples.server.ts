import { examples } from '@app/db';
import { exampleProcess } from '@app/shared/contracts';
import { enqueue } from '@app/shared/queues';
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { ApiError, pgText } from './http.server';
import { services } from './services.server';

/**
 * The skeleton's example (docs/adopting.md): a row of `examples`, queued as `example.process`,
 * marked processed by the worker. Copy this module's shape for your first feature: validate,
 * write, enqueue; the web only produces jobs, the worker consumes them.
 */
export const newExample = z
  .object({ message: pgText(500).pipe(z.string().trim().min(1, 'must not be empty')) })
  .strict();

export type ExampleView = {
  id: string;
  message: string;
  processedAt: string | null;
  createdAt: string;
};

export async function listExamples(limit = 20): Promise<ExampleView[]> {
  const rows = await services()
    .db.db.select()
    .from(examples)
    .orderBy(desc(examples.createdAt), desc(examples.id))
    .limit(limit);
  return rows.map((row) => ({
    id: row.id,
    message: row.message,
    processedAt: row.processedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  }));
}

/** Stores the row, then queues it; a row whose job could not be queued is not kept. */
export async function createExample(input: z.output<typeof newExample>): Promise<ExampleView> {
  const { db, queues } = services();
  const [row] = await db.db.insert(examples).values({ message: input.message }).returning();
  if (!row) throw new Error('insert returned no row');
  try {
    await enqueue(queues, exampleProcess, { id: row.id });
  } catch {
    // Redis unreachable: without its job the row would never be processed, so it goes too and
    // the caller is told to try again (nothing half-done is left behind). The Redis client logs
    // the outage itself, once; a line per refused request would only repeat it.
    await db.db.delete(examples).where(eq(examples.id, row.id));
    throw new ApiError(503, 'queue_unavailable', 'the job queue is unreachable: try again shortly');
  }
  return {
    id: row.id,
    message: row.message,
    processedAt: null,
    createdAt: row.createdAt.toISOString(),
  };
}
