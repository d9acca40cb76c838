// template-demo
import { type Import, type ImportCheckpoint, type ImportView, imports, importView } from '@app/db';
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { announce, type ImportContext } from './context.ts';
import { ImportTakenOver } from './errors.ts';

// The worker's half of the lifecycle: claim, commit a batch, complete, fail. Drizzle throughout,
// rows typed by db/src/schema.ts; the two batch inserts are `sql` templates over
// jsonb_to_recordset (one parameter carries a whole batch: one round trip, one statement).
// JSON goes in as `text` then `::jsonb`, sent as is whatever json serializer the client has.

export type BatchContact = {
  email: string;
  name: string | null;
  company: string | null;
  phone: string | null;
  extra: Record<string, string>;
};

export type Batch = {
  contacts: BatchContact[];
  /** Rows in the batch whose email already appeared earlier in the same batch. */
  duplicates: number;
  errors: { line: number; column: string; message: string }[];
  invalidRows: number;
  rows: number;
  /** Where this batch ends: committing it moves the checkpoint here. */
  lastLine: number;
  bytes: number;
};

export type CommitResult =
  | { kind: 'committed'; checkpoint: ImportCheckpoint; view: ImportView }
  | { kind: 'cancelled'; view: ImportView | undefined };

const now = sql`now()`;

/**
 * Drizzle wraps a driver error as "Failed query: <sql> params: <values>": the values are a whole
 * batch of contacts, which must not become an import's error text or a log line. The worker sees
 * the driver's error, as it did with raw postgres.js (its code decides retry vs. give up).
 */
async function driverErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DrizzleQueryError && error.cause) throw error.cause;
    throw error;
  }
}

/**
 * Marks the import running (again), announces it and returns it, or undefined when there is
 * nothing to do: it was deleted, completed, or cancelled while it waited. A failed import is
 * claimed too: its job only runs again through retryImport, and it resumes from its checkpoint
 * like any other attempt. A cancel requested while it waited turns the claim into 'cancelled'.
 */
export async function claimImport(ctx: ImportContext, id: string): Promise<Import | undefined> {
  const cancelRequested = sql`${imports.cancelRequestedAt} is not null`;
  const [row] = await driverErrors(() =>
    ctx.db
      .update(imports)
      .set({
        status: sql`case when ${cancelRequested} then 'cancelled'::import_status else 'running'::import_status end`,
        startedAt: sql`coalesce(${imports.startedAt}, now())`,
        finishedAt: sql`case when ${cancelRequested} then now() else null end`,
        error: null,
        attempts: sql`${imports.attempts} + 1`,
        updatedAt: now,
      })
      .where(and(eq(imports.id, id), inArray(imports.status, ['queued', 'running', 'failed'])))
      .returning(),
  );
  if (row) await announce(ctx, importView(row));
  return row;
}

/**
 * Commits one batch atomically: contacts upserted, errors recorded, counts and checkpoint moved.
 * A crash before COMMIT leaves no trace of the batch; after it, the checkpoint skips it. That is
 * what makes the final counts exact and contacts never duplicated. A cancelled import is
 * announced at once; progress only when `announceProgress` (the caller paces it).
 */
export async function commitBatch(
  ctx: ImportContext,
  id: string,
  from: ImportCheckpoint,
  batch: Batch,
  options: { announceProgress?: boolean } = {},
): Promise<CommitResult> {
  const result = await driverErrors(() =>
    ctx.db.transaction(async (tx): Promise<CommitResult> => {
      const [state] = await tx
        .select({
          cancelRequestedAt: imports.cancelRequestedAt,
          line: sql<number>`coalesce((${imports.checkpoint}->>'line')::int, 0)`.mapWith(Number),
        })
        .from(imports)
        .where(eq(imports.id, id))
        .for('update');
      // Another run committed since ours read the checkpoint (our lock expired and a second worker
      // took over): writing now would count its rows twice, so this run stops here.
      if (state && state.line !== from.line) throw new ImportTakenOver(id);
      if (!state || state.cancelRequestedAt) {
        const [row] = await tx
          .update(imports)
          .set({ status: 'cancelled', finishedAt: now, updatedAt: now })
          .where(eq(imports.id, id))
          .returning();
        return { kind: 'cancelled', view: row && importView(row) };
      }

      let inserted = 0;
      if (batch.contacts.length > 0) {
        const rows = await tx.execute<{ inserted: boolean }>(sql`
        insert into contacts (email, name, company, phone, extra, last_import_id)
        select r.email, r.name, r.company, r.phone, coalesce(r.extra, '{}'::jsonb), ${id}::uuid
        from jsonb_to_recordset(${JSON.stringify(batch.contacts)}::text::jsonb)
          as r(email text, name text, company text, phone text, extra jsonb)
        on conflict (email) do update set
          name = coalesce(excluded.name, contacts.name),
          company = coalesce(excluded.company, contacts.company),
          phone = coalesce(excluded.phone, contacts.phone),
          extra = contacts.extra || excluded.extra,
          last_import_id = excluded.last_import_id,
          updated_at = now()
        returning (xmax = 0) as inserted`);
        inserted = rows.filter((r) => r.inserted).length;
      }
      if (batch.errors.length > 0) {
        await tx.execute(sql`
        insert into import_errors (import_id, line, "column", message)
        select ${id}::uuid, e.line, e.column, e.message
        from jsonb_to_recordset(${JSON.stringify(batch.errors)}::text::jsonb) as e(line int, "column" text, message text)
        on conflict (import_id, line, "column") do nothing`);
      }
      const checkpoint: ImportCheckpoint = {
        line: batch.lastLine,
        bytes: batch.bytes,
        processed: from.processed + batch.rows,
        inserted: from.inserted + inserted,
        updated: from.updated + (batch.contacts.length - inserted) + batch.duplicates,
        invalid: from.invalid + batch.invalidRows,
      };
      const [row] = await tx
        .update(imports)
        .set({
          processedRows: checkpoint.processed,
          inserted: checkpoint.inserted,
          updated: checkpoint.updated,
          invalid: checkpoint.invalid,
          processedBytes: checkpoint.bytes,
          checkpoint: sql`${JSON.stringify(checkpoint)}::text::jsonb`,
          updatedAt: now,
        })
        .where(eq(imports.id, id))
        .returning();
      if (!row) throw new Error(`import ${id} vanished inside its own transaction`);
      return { kind: 'committed', checkpoint, view: importView(row) };
    }),
  );
  if (result.view && (result.kind === 'cancelled' || options.announceProgress)) {
    await announce(ctx, result.view);
  }
  return result;
}

/** One state change of an import: update its row where `where` holds, announce the result. */
async function transition(
  ctx: ImportContext,
  where: SQL | undefined,
  set: PgUpdateSetSource<typeof imports>,
): Promise<ImportView | undefined> {
  const [row] = await driverErrors(() => ctx.db.update(imports).set(set).where(where).returning());
  const view = row && importView(row);
  if (view) await announce(ctx, view);
  return view;
}

/** Every row committed: the import is complete (and announced). */
export const completeImport = (ctx: ImportContext, id: string) =>
  transition(ctx, eq(imports.id, id), {
    status: 'completed',
    totalRows: sql`${imports.processedRows}`,
    processedBytes: sql`${imports.sizeBytes}`,
    finishedAt: now,
    updatedAt: now,
    error: null,
  });

/** The last attempt failed: the import is failed with the reason (and announced). */
export const failImport = (ctx: ImportContext, id: string, message: string) =>
  transition(ctx, and(eq(imports.id, id), inArray(imports.status, ['queued', 'running'])), {
    status: 'failed',
    error: message,
    finishedAt: now,
    updatedAt: now,
  });
