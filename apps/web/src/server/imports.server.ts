import {
  type Import,
  type ImportView,
  importErrors,
  imports,
  importView,
  storeImportFile,
} from '@app/db';
import { checkImportFile } from '@app/shared/contracts/import-file-rules';
import { contactsImport, enqueue, publishEvent } from '@app/worker/contracts';
import { checkCsvUpload } from '@app/worker/csv';
import { and, asc, desc, eq, inArray, lt, or } from 'drizzle-orm';
import { env } from '../env';
import { formatMb } from './body-limits';
import { ApiError, hasControlCharacters, notFound } from './http.server';
import { services } from './services.server';

export type UploadedFile = {
  name: string;
  type: string;
  size: number;
  bytes: () => Promise<Uint8Array>;
};

/**
 * Checks an upload, stores its bytes in Postgres (chunked) with the import row in one transaction,
 * then enqueues the job. If the enqueue fails the import is removed again: nothing half-written.
 */
export async function createImport(file: UploadedFile): Promise<ImportView> {
  const max = env().IMPORT_MAX_BYTES;
  // The rules the browser hints with and the worker sniffs by (import-file-rules), judged here.
  const verdict = checkImportFile(file, max);
  if (!verdict.ok && verdict.code === 'file_too_large') {
    throw new ApiError(
      413,
      'file_too_large',
      `the file is ${formatMb(file.size)} (${file.size} bytes); the limit is ${formatMb(max)} (${max} bytes)`,
    );
  }
  // Postgres text cannot hold a NUL, and control characters have no place in a name shown in lists
  // and headers.
  if (hasControlCharacters(file.name)) {
    throw new ApiError(
      400,
      'invalid_filename',
      'the file name contains control characters; rename the file and upload it again',
    );
  }
  if (!verdict.ok && verdict.code === 'not_csv') {
    throw new ApiError(
      415,
      'not_csv',
      `expected a .csv file, got "${file.name}" (${file.type || 'unknown type'})`,
    );
  }
  const bytes = await file.bytes();
  // The head's rules (email column, header only…) plus UTF-8 and NUL over every byte: a file the
  // worker would refuse is refused here, before anything is stored.
  const checked = checkCsvUpload(bytes);
  if (!checked.ok) {
    const status = checked.code === 'binary' || checked.code === 'not_utf8' ? 415 : 422;
    throw new ApiError(status, checked.code, checked.message);
  }

  const { db, queues, redis } = services();
  const row = await storeImportFile(db.db, file.name, bytes);

  try {
    await enqueue(queues, contactsImport, { importId: row.id });
  } catch (error) {
    await db.db.delete(imports).where(eq(imports.id, row.id));
    throw error;
  }
  const view = importView(row);
  await publishEvent(redis, env().QUEUE_PREFIX, { type: 'import.updated', import: view }).catch(
    () => {},
  );
  return view;
}

type ImportCursor = { createdAt: Date; id: string };

export function encodeImportCursor(row: Pick<Import, 'createdAt' | 'id'>): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

// What encodeImportCursor writes: a four-digit-year ISO timestamp (toISOString() gives "+275760-…"
// for far dates, which Postgres cannot parse) and a uuid.
const cursorIso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const cursorId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeImportCursor(cursor: string): ImportCursor {
  const [iso = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso);
  if (
    rest.length > 0 ||
    !cursorIso.test(iso) ||
    Number.isNaN(createdAt.getTime()) ||
    !cursorId.test(id)
  ) {
    throw new ApiError(400, 'invalid_cursor', 'cursor is not valid: use nextCursor from a page');
  }
  return { createdAt, id };
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listImports(options: { limit: number; cursor?: string }) {
  const { db } = services();
  const after = options.cursor ? decodeImportCursor(options.cursor) : undefined;
  const rows = await db.db
    .select()
    .from(imports)
    .where(
      after
        ? or(
            lt(imports.createdAt, after.createdAt),
            and(eq(imports.createdAt, after.createdAt), lt(imports.id, after.id)),
          )
        : undefined,
    )
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    imports: page.map((r) => importView(r)),
    nextCursor: rows.length > options.limit && last ? encodeImportCursor(last) : null,
  };
}

export async function getImport(id: string): Promise<Import> {
  const [row] = await services().db.db.select().from(imports).where(eq(imports.id, id));
  if (!row) throw notFound('import');
  return row;
}

export async function firstErrors(id: string, limit = 100) {
  return services()
    .db.db.select({
      line: importErrors.line,
      column: importErrors.column,
      message: importErrors.message,
    })
    .from(importErrors)
    .where(eq(importErrors.importId, id))
    .orderBy(asc(importErrors.line), asc(importErrors.id))
    .limit(limit);
}

/** Every recorded error as CSV, streamed in pages so a huge error list never sits in memory. */
export function errorsCsvStream(id: string): ReadableStream<Uint8Array> {
  const { sql } = services().db;
  const encoder = new TextEncoder();
  let afterId = 0;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode('line,column,message\r\n'));
      }
      const rows = await sql<
        { id: number; line: number; column: string | null; message: string }[]
      >`
        select id, line, "column", message from import_errors
        where import_id = ${id} and id > ${afterId} order by id limit 5000`;
      if (rows.length === 0) {
        controller.close();
        return;
      }
      afterId = rows.at(-1)?.id ?? afterId;
      controller.enqueue(
        encoder.encode(
          rows
            .map((r) => `${r.line},${csvCell(r.column ?? '')},${csvCell(r.message)}\r\n`)
            .join(''),
        ),
      );
    },
  });
}

function csvCell(value: string): string {
  // Also neutralise spreadsheet formulas (=, +, -, @) in values that came from user files.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

async function publish(row: Import) {
  const { redis } = services();
  await publishEvent(redis, env().QUEUE_PREFIX, {
    type: 'import.updated',
    import: importView(row),
  }).catch(() => {});
}

/**
 * Failed or cancelled imports run again from their checkpoint: rows already committed are not
 * written twice. Anything else is a 409.
 */
export async function retryImport(id: string): Promise<ImportView> {
  const { db, queues } = services();
  const current = await getImport(id);
  if (current.status !== 'failed' && current.status !== 'cancelled') {
    throw new ApiError(
      409,
      'not_retryable',
      `only failed or cancelled imports can be retried; this one is ${current.status}`,
    );
  }
  if (current.fileDeletedAt)
    throw new ApiError(
      409,
      'file_deleted',
      'the uploaded file was removed by retention; upload it again',
    );
  const [row] = await db.db
    .update(imports)
    .set({
      status: 'queued',
      error: null,
      cancelRequestedAt: null,
      finishedAt: null,
      updatedAt: new Date(),
    })
    .where(and(eq(imports.id, id), inArray(imports.status, ['failed', 'cancelled'])))
    .returning();
  if (!row)
    throw new ApiError(409, 'not_retryable', 'the import changed meanwhile; reload and try again');
  // The finished job keeps its id in Redis; it has to go before the same id can be added again.
  const jobId = contactsImport.jobId?.({ importId: id });
  const existing = jobId ? await queues.imports.getJob(jobId) : undefined;
  if (existing) {
    const state = await existing.getState();
    if (state === 'failed' || state === 'completed') await existing.remove();
  }
  await enqueue(queues, contactsImport, { importId: id });
  await publish(row);
  return importView(row);
}

/** Queued imports stop at once; running ones at their next batch boundary. Repeating is harmless. */
export async function cancelImport(id: string): Promise<ImportView> {
  const { db, queues } = services();
  const current = await getImport(id);
  if (current.status === 'cancelled') return importView(current);
  if (current.status !== 'queued' && current.status !== 'running') {
    throw new ApiError(409, 'not_cancellable', `the import is already ${current.status}`);
  }
  const [row] = await db.db
    .update(imports)
    .set({ cancelRequestedAt: new Date(), updatedAt: new Date() })
    .where(and(eq(imports.id, id), inArray(imports.status, ['queued', 'running'])))
    .returning();
  if (!row) return importView(await getImport(id));
  if (row.status === 'queued') {
    const jobId = contactsImport.jobId?.({ importId: id });
    const job = jobId ? await queues.imports.getJob(jobId) : undefined;
    const state = job ? await job.getState() : 'missing';
    if (state === 'waiting' || state === 'delayed' || state === 'missing') {
      await job?.remove();
      const [cancelled] = await db.db
        .update(imports)
        .set({ status: 'cancelled', finishedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(imports.id, id), eq(imports.status, 'queued')))
        .returning();
      if (cancelled) {
        await publish(cancelled);
        return importView(cancelled);
      }
    }
  }
  await publish(row);
  return importView(row);
}
