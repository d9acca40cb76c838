// template-demo
import { type Import, type ImportView, imports, importView, storeImportFile } from '@app/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { announce, type ImportContext, type ImportJobs } from './context.ts';
import { ImportStateError } from './errors.ts';

// The requests people make of an import (upload, retry, cancel), from whichever page or API:
// every check and every event lives here, so a second door cannot skip one.

export type RequestContext = ImportContext & { jobs: ImportJobs };

const now = sql`now()`;

export async function getImport(ctx: Pick<ImportContext, 'db'>, id: string): Promise<Import> {
  const [row] = await ctx.db.select().from(imports).where(eq(imports.id, id));
  if (!row) throw new ImportStateError(404, 'not_found', 'import not found');
  return row;
}

/**
 * Stores a checked upload (bytes chunked, with its import row, in one transaction), enqueues the
 * job and announces it. If the enqueue fails the import is removed again: nothing half-written.
 */
export async function createImport(
  ctx: RequestContext,
  filename: string,
  bytes: Uint8Array,
): Promise<ImportView> {
  const row = await storeImportFile(ctx.db, filename, bytes);
  try {
    await ctx.jobs.enqueue(row.id);
  } catch (error) {
    await ctx.db.delete(imports).where(eq(imports.id, row.id));
    throw error;
  }
  const view = importView(row);
  await announce(ctx, view);
  return view;
}

/**
 * Failed or cancelled imports run again from their checkpoint: rows already committed are not
 * written twice. Anything else is a 409. The import page and the failed-jobs page both come here.
 */
export async function retryImport(ctx: RequestContext, id: string): Promise<ImportView> {
  const current = await getImport(ctx, id);
  if (current.status !== 'failed' && current.status !== 'cancelled') {
    throw new ImportStateError(
      409,
      'not_retryable',
      `only failed or cancelled imports can be retried; this one is ${current.status}`,
    );
  }
  if (current.fileDeletedAt) {
    throw new ImportStateError(
      409,
      'file_deleted',
      'the uploaded file was removed by retention; upload it again',
    );
  }
  const [row] = await ctx.db
    .update(imports)
    .set({
      status: 'queued',
      error: null,
      cancelRequestedAt: null,
      finishedAt: null,
      updatedAt: now,
    })
    .where(and(eq(imports.id, id), inArray(imports.status, ['failed', 'cancelled'])))
    .returning();
  if (!row) {
    throw new ImportStateError(
      409,
      'not_retryable',
      'the import changed meanwhile; reload and try again',
    );
  }
  // Announced before the job exists, so 'queued' never arrives after the worker's 'running'.
  const view = importView(row);
  await announce(ctx, view);
  // The finished job keeps its id in Redis; it has to go before the same id can be added again.
  const state = await ctx.jobs.state(id);
  if (state === 'failed' || state === 'completed') await ctx.jobs.remove(id);
  await ctx.jobs.enqueue(id);
  return view;
}

/** Queued imports stop at once; running ones at their next batch boundary. Repeating is harmless. */
export async function cancelImport(ctx: RequestContext, id: string): Promise<ImportView> {
  const current = await getImport(ctx, id);
  if (current.status === 'cancelled') return importView(current);
  if (current.status !== 'queued' && current.status !== 'running') {
    throw new ImportStateError(409, 'not_cancellable', `the import is already ${current.status}`);
  }
  const [row] = await ctx.db
    .update(imports)
    .set({ cancelRequestedAt: now, updatedAt: now })
    .where(and(eq(imports.id, id), inArray(imports.status, ['queued', 'running'])))
    .returning();
  if (!row) return importView(await getImport(ctx, id));
  if (row.status === 'queued') {
    // Not picked up yet: take the job out and finish the import here. An active job sees the
    // request at its next batch (commitBatch) or at its claim.
    const state = await ctx.jobs.state(id);
    if (state === 'waiting' || state === 'delayed' || state === 'missing') {
      if (state !== 'missing') await ctx.jobs.remove(id);
      const [cancelled] = await ctx.db
        .update(imports)
        .set({ status: 'cancelled', finishedAt: now, updatedAt: now })
        .where(and(eq(imports.id, id), eq(imports.status, 'queued')))
        .returning();
      if (cancelled) {
        const view = importView(cancelled);
        await announce(ctx, view);
        return view;
      }
    }
  }
  const view = importView(row);
  await announce(ctx, view);
  return view;
}
