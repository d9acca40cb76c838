// template-demo
import { type Import, importErrors, imports, importView } from '@app/db';
import { and, asc, desc, eq, gt, lt, or } from 'drizzle-orm';
import type { ImportContext } from './context.ts';
import { ImportStateError } from './errors.ts';

// What the import pages show: the list (keyset pages), an import's first errors and the full
// error list as a CSV download. One import by id is getImport (requests.server.ts).

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
    throw new ImportStateError(
      400,
      'invalid_cursor',
      'cursor is not valid: use nextCursor from a page',
    );
  }
  return { createdAt, id };
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listImports(
  { db }: Pick<ImportContext, 'db'>,
  options: { limit: number; cursor?: string },
) {
  const after = options.cursor ? decodeImportCursor(options.cursor) : undefined;
  const rows = await db
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

export async function firstErrors({ db }: Pick<ImportContext, 'db'>, id: string, limit = 100) {
  return db
    .select({
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
export function errorsCsvStream(
  { db }: Pick<ImportContext, 'db'>,
  id: string,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let afterId = 0;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode('line,column,message\r\n'));
      }
      const rows = await db
        .select({
          id: importErrors.id,
          line: importErrors.line,
          column: importErrors.column,
          message: importErrors.message,
        })
        .from(importErrors)
        .where(and(eq(importErrors.importId, id), gt(importErrors.id, afterId)))
        .orderBy(asc(importErrors.id))
        .limit(5000);
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
