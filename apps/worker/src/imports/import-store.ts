import { type Import, type ImportCheckpoint, type ImportView, importView } from '@app/db';
import type { ContactInput, RowProblem } from '@app/shared/csv';
import type postgres from 'postgres';

// Raw postgres.js here on purpose: tagged queries are prepared once per connection and reused,
// and one jsonb parameter carries a whole batch (one round trip, one statement per batch).
// JSON goes in as `text` then `::jsonb`: typed as jsonb, the parameter would go through the
// client's json serializer, which drizzle() replaces on a shared client; as text it is sent as is
// whichever client runs it.

type ImportRow = Record<string, unknown>;

// drizzle() swaps the shared client's parsers for jsonb and timestamps (it parses them itself), so
// raw rows carry text for those types. Convert here, in one place.
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

function parseJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Maps a raw `imports` row (snake_case) to the Drizzle-shaped type the views expect. */
export function toImport(row: ImportRow): Import {
  return {
    id: row.id as string,
    filename: row.filename as string,
    sizeBytes: Number(row.size_bytes),
    processedBytes: Number(row.processed_bytes),
    status: row.status as Import['status'],
    totalRows: (row.total_rows as number | null) ?? null,
    processedRows: row.processed_rows as number,
    inserted: row.inserted as number,
    updated: row.updated as number,
    invalid: row.invalid as number,
    error: (row.error as string | null) ?? null,
    checkpoint: parseJson<ImportCheckpoint>(row.checkpoint),
    attempts: row.attempts as number,
    cancelRequestedAt: toDate(row.cancel_requested_at),
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    fileDeletedAt: toDate(row.file_deleted_at),
    createdAt: toDate(row.created_at) ?? new Date(0),
    updatedAt: toDate(row.updated_at) ?? new Date(0),
  };
}

/**
 * Marks the import running (again) and returns it, or undefined when there is nothing to do:
 * it was deleted, completed, or cancelled while it waited. A failed import is claimed too: its
 * job only runs again when someone retried it (the failed-jobs page), and it resumes from its
 * checkpoint like any other attempt.
 */
export async function claimImport(sql: postgres.Sql, id: string): Promise<Import | undefined> {
  const [row] = await sql`
    update imports set
      status = case when cancel_requested_at is null then 'running'::import_status else 'cancelled'::import_status end,
      started_at = coalesce(started_at, now()),
      finished_at = case when cancel_requested_at is null then null else now() end,
      error = null,
      attempts = attempts + 1,
      updated_at = now()
    where id = ${id} and status in ('queued', 'running', 'failed')
    returning *`;
  return row ? toImport(row) : undefined;
}

export async function readChunk(
  sql: postgres.Sql,
  id: string,
  seq: number,
): Promise<Buffer | undefined> {
  const [row] = await sql`select data from import_chunks where import_id = ${id} and seq = ${seq}`;
  return row?.data as Buffer | undefined;
}

export type Batch = {
  contacts: ContactInput[];
  /** Rows in the batch whose email already appeared earlier in the same batch. */
  duplicates: number;
  errors: ({ line: number } & RowProblem)[];
  invalidRows: number;
  rows: number;
  /** Where this batch ends: committing it moves the checkpoint here. */
  lastLine: number;
  bytes: number;
};

export class ImportTakenOver extends Error {
  constructor(id: string) {
    super(`import ${id} was taken over by another worker`);
    this.name = 'ImportTakenOver';
  }
}

export type CommitResult =
  | { kind: 'committed'; checkpoint: ImportCheckpoint; view: ImportView }
  | { kind: 'cancelled'; view: ImportView };

/**
 * Commits one batch atomically: contacts upserted, errors recorded, counts and checkpoint moved.
 * A crash before COMMIT leaves no trace of the batch; after it, the checkpoint skips it. That is
 * what makes the final counts exact and contacts never duplicated.
 */
export async function commitBatch(
  sql: postgres.Sql,
  id: string,
  from: ImportCheckpoint,
  batch: Batch,
): Promise<CommitResult> {
  return sql.begin(async (tx) => {
    const [state] = await tx`
      select cancel_requested_at, coalesce((checkpoint->>'line')::int, 0) as line
      from imports where id = ${id} for update`;
    // Another run committed since ours read the checkpoint (our lock expired and a second worker
    // took over): writing now would count its rows twice, so this run stops here.
    if (state && state.line !== from.line) throw new ImportTakenOver(id);
    if (!state || state.cancel_requested_at) {
      const [row] = await tx`
        update imports set status = 'cancelled', finished_at = now(), updated_at = now()
        where id = ${id} returning *`;
      return { kind: 'cancelled', view: importView(toImport(row ?? {})) } as const;
    }

    let inserted = 0;
    if (batch.contacts.length > 0) {
      const rows = await tx`
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
        returning (xmax = 0) as inserted`;
      inserted = rows.filter((r) => r.inserted).length;
    }
    if (batch.errors.length > 0) {
      await tx`
        insert into import_errors (import_id, line, "column", message)
        select ${id}::uuid, e.line, e.column, e.message
        from jsonb_to_recordset(${JSON.stringify(batch.errors)}::text::jsonb) as e(line int, "column" text, message text)
        on conflict (import_id, line, "column") do nothing`;
    }
    const checkpoint: ImportCheckpoint = {
      line: batch.lastLine,
      bytes: batch.bytes,
      processed: from.processed + batch.rows,
      inserted: from.inserted + inserted,
      updated: from.updated + (batch.contacts.length - inserted) + batch.duplicates,
      invalid: from.invalid + batch.invalidRows,
    };
    const [row] = await tx`
      update imports set
        processed_rows = ${checkpoint.processed},
        inserted = ${checkpoint.inserted},
        updated = ${checkpoint.updated},
        invalid = ${checkpoint.invalid},
        processed_bytes = ${checkpoint.bytes},
        checkpoint = ${JSON.stringify(checkpoint)}::text::jsonb,
        updated_at = now()
      where id = ${id} returning *`;
    return { kind: 'committed', checkpoint, view: importView(toImport(row ?? {})) } as const;
  });
}

export async function completeImport(sql: postgres.Sql, id: string): Promise<ImportView> {
  const [row] = await sql`
    update imports set status = 'completed', total_rows = processed_rows,
      processed_bytes = size_bytes, finished_at = now(), updated_at = now(), error = null
    where id = ${id} returning *`;
  return importView(toImport(row ?? {}));
}

export async function failImport(
  sql: postgres.Sql,
  id: string,
  message: string,
): Promise<ImportView | undefined> {
  const [row] = await sql`
    update imports set status = 'failed', error = ${message}, finished_at = now(), updated_at = now()
    where id = ${id} and status in ('queued', 'running') returning *`;
  return row ? importView(toImport(row)) : undefined;
}
