// template-demo
import type { ImportCheckpoint } from '@app/db';
import {
  type ColumnMapping,
  type Delimiter,
  mapHeaders,
  noRowsMessage,
  SNIFF_BYTES,
  sniffCsv,
  validateRow,
} from '@app/shared/csv';
import type { Batch } from '@app/shared/imports';
import { UnrecoverableError } from 'bullmq';
import type postgres from 'postgres';
import { CsvFileError, cleanRowCount, csvRecords } from './csv-records.ts';

/** Streams an upload back out of Postgres one chunk at a time; the file is never whole in memory. */
async function* storedChunks(sql: postgres.Sql, id: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq++) {
    const [row] =
      await sql`select data from import_chunks where import_id = ${id} and seq = ${seq}`;
    const chunk = row?.data as Buffer | undefined;
    if (!chunk && seq === 0) {
      throw new UnrecoverableError('the uploaded file is gone (removed by retention?)');
    }
    if (!chunk) break;
    yield chunk;
  }
}

export type BatchSink = (batch: Batch) => Promise<'continue' | 'stop'>;

type ImportOptions = {
  checkpoint: ImportCheckpoint;
  batchSize: number;
  sink: BatchSink;
};

/** The stored upload `importId`, parsed and handed to `sink` in batches: see importCsv. */
export function importFile(
  options: ImportOptions & { sql: postgres.Sql; importId: string },
): Promise<'done' | 'stopped'> {
  const { sql, importId, ...rest } = options;
  return importCsv({ ...rest, open: () => storedChunks(sql, importId) });
}

/**
 * Parses a CSV file and hands batches of validated rows to `sink`, resuming after
 * `checkpoint.line`. Rows up to the checkpoint are parsed (cheap) but not written again.
 *
 * A fresh import (checkpoint at line 0) first reads the whole file once without writing: a file
 * that cannot be parsed to its end (a quote never closed at row 90,000, a NUL byte) or that has
 * no rows fails before its first batch, so a failed import never leaves half of a file behind.
 * `open` is called once per pass and must give the same bytes each time.
 */
export async function importCsv(
  options: ImportOptions & { open: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array> },
): Promise<'done' | 'stopped'> {
  try {
    return await runImport(options);
  } catch (error) {
    // The file's fault: one attempt, with the message the import page shows.
    if (error instanceof CsvFileError) throw new UnrecoverableError(error.message);
    throw error;
  }
}

async function runImport(
  options: ImportOptions & { open: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array> },
): Promise<'done' | 'stopped'> {
  const { open, checkpoint, batchSize, sink } = options;
  const sniff = sniffCsv(await readHead(open()));
  if (!sniff.ok) throw new UnrecoverableError(sniff.message);

  if (checkpoint.line === 0) {
    // A scan without cells for the usual clean file; csv-parse for any other, to name its fault.
    const rows =
      (await cleanRowCount(open(), sniff.delimiter)) ??
      (await parsedRowCount(open(), sniff.delimiter));
    if (rows === 0) throw new UnrecoverableError(noRowsMessage);
  }

  // The header is the parser's first record, every column of it (the sniff saw 64 KB at most).
  let mapping: ColumnMapping | undefined;
  let batch = emptyBatch(checkpoint);
  // One batch commits while the next is parsed: the two cores work on CSV and SQL at once. Only
  // one commit is ever in flight, so checkpoints still advance strictly in order.
  let inFlight: Promise<'continue' | 'stop'> | undefined;
  const flush = async (full: Batch): Promise<'continue' | 'stop'> => {
    const previous = inFlight ? await inFlight : 'continue';
    if (previous === 'stop') return 'stop';
    inFlight = sink(full);
    return 'continue';
  };
  // "Line" is the record's number in the file with the header as 1: the row number a spreadsheet
  // shows (csvRecords counts blank lines, and a quoted cell's line breaks do not start a row).
  try {
    for await (const { line, cells, bytes } of csvRecords(open(), sniff.delimiter)) {
      if (!mapping) {
        const mapped = mapHeaders(cells);
        if (!mapped.ok) throw new UnrecoverableError(mapped.message);
        mapping = mapped.mapping;
        continue;
      }
      if (line <= checkpoint.line) continue;
      addRow(batch, cells, line, mapping);
      batch.bytes = bytes;
      if (batch.rows >= batchSize) {
        // Leaving the loop early ends csvRecords, which destroys its parser.
        if ((await flush(batch)) === 'stop') return 'stopped';
        batch = emptyBatch({ line: batch.lastLine, bytes: batch.bytes });
      }
    }
  } catch (error) {
    // The commit in flight settles before the error goes up: no batch may still be writing when
    // the caller marks the import failed or BullMQ retries it (and its own failure is not left
    // as an unhandled rejection).
    await inFlight?.catch(() => {});
    throw error;
  }
  if (batch.rows > 0 && (await flush(batch)) === 'stop') return 'stopped';
  if (inFlight && (await inFlight) === 'stop') return 'stopped';
  return 'done';
}

/** Rows after the header as csvRecords reads them; throws CsvFileError for a broken file. */
async function parsedRowCount(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  delimiter: Delimiter,
): Promise<number> {
  let rows = 0;
  for await (const { line } of csvRecords(chunks, delimiter, { positions: false })) {
    if (line > 1) rows++;
  }
  return rows;
}

/** The first SNIFF_BYTES of the file (fewer when it is shorter). */
async function readHead(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= SNIFF_BYTES) break;
  }
  return Buffer.concat(parts).subarray(0, SNIFF_BYTES);
}

function emptyBatch(from: Pick<ImportCheckpoint, 'line' | 'bytes'>): Batch {
  return {
    contacts: [],
    duplicates: 0,
    errors: [],
    invalidRows: 0,
    rows: 0,
    lastLine: from.line,
    bytes: from.bytes,
  };
}

const seenInBatch = new WeakMap<Batch, Map<string, number>>();

function addRow(batch: Batch, record: string[], line: number, mapping: ColumnMapping) {
  batch.rows++;
  batch.lastLine = line;
  const result = validateRow(record, mapping);
  if (!result.ok) {
    batch.invalidRows++;
    for (const problem of result.problems) batch.errors.push({ line, ...problem });
    return;
  }
  // One statement cannot upsert the same email twice, so a repeat inside the batch replaces the
  // earlier row (the last one in the file wins) and counts as an update.
  let seen = seenInBatch.get(batch);
  if (!seen) {
    seen = new Map();
    seenInBatch.set(batch, seen);
  }
  const at = seen.get(result.contact.email);
  if (at === undefined) {
    seen.set(result.contact.email, batch.contacts.length);
    batch.contacts.push(result.contact);
    return;
  }
  const earlier = batch.contacts[at];
  batch.contacts[at] = {
    ...result.contact,
    name: result.contact.name ?? earlier?.name ?? null,
    company: result.contact.company ?? earlier?.company ?? null,
    phone: result.contact.phone ?? earlier?.phone ?? null,
    extra: { ...earlier?.extra, ...result.contact.extra },
  };
  batch.duplicates++;
}
