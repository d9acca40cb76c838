import { pipeline, Readable } from 'node:stream';
import type { ImportCheckpoint } from '@app/db';
import { UnrecoverableError } from 'bullmq';
import { parse } from 'csv-parse';
import type postgres from 'postgres';
import { type ColumnMapping, sniffCsv, validateRow } from './csv-format.ts';
import { type Batch, readChunk } from './import-store.ts';

/** Streams an upload back out of Postgres one chunk at a time; the file is never whole in memory. */
async function* fileChunks(sql: postgres.Sql, id: string): AsyncGenerator<Buffer> {
  // A fatal decoder over the whole stream: a file that is not UTF-8 anywhere fails, not just
  // in its first kilobytes.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let seq = 0; ; seq++) {
    const chunk = await readChunk(sql, id, seq);
    if (!chunk) break;
    try {
      decoder.decode(chunk, { stream: true });
    } catch {
      throw new UnrecoverableError(
        'the file is not UTF-8 text (in a spreadsheet: save as "CSV UTF-8")',
      );
    }
    yield chunk;
  }
}

export type BatchSink = (batch: Batch) => Promise<'continue' | 'stop'>;

/**
 * Parses the stored CSV and hands batches of validated rows to `sink`, resuming after
 * `checkpoint.line`. Rows up to the checkpoint are parsed (cheap) but not written again.
 */
export async function importFile(options: {
  sql: postgres.Sql;
  importId: string;
  checkpoint: ImportCheckpoint;
  batchSize: number;
  sink: BatchSink;
}): Promise<'done' | 'stopped'> {
  const { sql, importId, checkpoint, batchSize, sink } = options;
  const first = await readChunk(sql, importId, 0);
  if (!first) throw new UnrecoverableError('the uploaded file is gone (removed by retention?)');
  const sniff = sniffCsv(first.subarray(0, 64 * 1024));
  if (!sniff.ok) throw new UnrecoverableError(sniff.message);

  const parser = parse({
    bom: true,
    delimiter: sniff.delimiter,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  // pipeline(), not .pipe(): pipe() does not forward the source's errors, so a chunk read failing
  // (Postgres terminated the connection) was an 'error' event nobody listened to, an uncaught
  // exception that killed the worker. Here it destroys the parser, and the loop below throws it.
  pipeline(Readable.from(fileChunks(sql, importId)), parser, () => {});

  const mapping = sniff.mapping; // from the header row
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
  // shows. (csv-parse's physical line count is off for CRLF inside quoted fields.)
  let line = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { bytes: number };
    }>) {
      line++;
      if (line === 1 || line <= checkpoint.line) continue;
      addRow(batch, record, line, mapping);
      batch.bytes = info.bytes;
      if (batch.rows >= batchSize) {
        if ((await flush(batch)) === 'stop') {
          parser.destroy();
          return 'stopped';
        }
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
