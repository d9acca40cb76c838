// template-demo
import { mapHeaders, SNIFF_BYTES } from '@app/shared/csv';
import type { Batch } from '@app/shared/imports';
import { UnrecoverableError } from 'bullmq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fuzzParameters,
  type GeneratedCsv,
  generatedCsv,
  referenceParse,
} from '../testing/csv-reference.ts';
import { importCsv } from './import-file.ts';

type Outcome = { ok: true; batches: Batch[] } | { ok: false; error: unknown };

/** The worker's import path (sniff, read-only first pass, batches) over an in-memory file. */
async function runImport(file: GeneratedCsv, batchSize: number): Promise<Outcome> {
  const batches: Batch[] = [];
  try {
    await importCsv({
      open: () => file.chunks,
      checkpoint: { line: 0, bytes: 0, processed: 0, inserted: 0, updated: 0, invalid: 0 },
      batchSize,
      sink: async (batch) => {
        batches.push(batch);
        return 'continue';
      },
    });
    return { ok: true, batches };
  } catch (error) {
    return { ok: false, error };
  }
}

function expectRefused(outcome: Outcome, message?: RegExp) {
  expect(outcome.ok, 'the importer accepted a file it must refuse').toBe(false);
  if (outcome.ok) return;
  // Refused the way that fails a job once: UnrecoverableError, with words for the user.
  expect(outcome.error).toBeInstanceOf(UnrecoverableError);
  const text = (outcome.error as Error).message;
  expect(text.length).toBeGreaterThan(10);
  if (message) expect(text).toMatch(message);
}

/** Checks one generated file; returns whether the reference accepted it, for the tallies. */
async function checkFile(file: GeneratedCsv, batchSize: number): Promise<'imported' | 'refused'> {
  const reference = referenceParse(file.bytes, file.delimiter);
  const outcome = await runImport(file, batchSize);
  // A NUL in the first 64 KB is refused by the sniff ("binary") before any line is read, whatever
  // else is wrong with the file.
  if (file.bytes.subarray(0, SNIFF_BYTES).includes(0)) {
    expectRefused(outcome, /binary/);
    return 'refused';
  }
  if (!reference.ok) {
    const where = reference.reason === 'utf8' ? /UTF-8/ : new RegExp(`^line ${reference.line}: `);
    expectRefused(outcome, where);
    return 'refused';
  }
  const [header, ...rows] = reference.records;
  const mapped = header?.line === 1 ? mapHeaders(header.cells) : undefined;
  if (!mapped?.ok) {
    expectRefused(outcome);
    return 'refused';
  }
  if (rows.length === 0) {
    expectRefused(outcome, /no data rows/);
    return 'refused';
  }
  if (!outcome.ok) throw outcome.error;

  // Every row the reference sees is accounted for: a contact (in file order) or an invalid row
  // with its line. Never fewer, never merged, never split.
  const { batches } = outcome;
  const contacts = batches.flatMap((b) => b.contacts);
  const invalidLines = new Set(batches.flatMap((b) => b.errors.map((e) => e.line)));
  expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(rows.length);
  expect(batches.reduce((n, b) => n + b.duplicates, 0)).toBe(0);
  expect(batches.at(-1)?.lastLine).toBe(rows.at(-1)?.line);
  expect(batches.reduce((n, b) => n + b.invalidRows, 0)).toBe(invalidLines.size);
  const { fields, extra } = mapped.mapping;
  const cell = (cells: string[], index: number | undefined) =>
    index === undefined ? '' : (cells[index] ?? '');
  let next = 0;
  for (const row of rows) {
    if (invalidLines.has(row.line)) continue;
    const contact = contacts[next++];
    expect(contact, `line ${row.line} is missing from the import`).toBeDefined();
    expect(contact?.email).toBe(cell(row.cells, fields.email).trim().toLowerCase());
    expect(contact?.name).toBe(cell(row.cells, fields.name).trim() || null);
    const extras = Object.fromEntries(
      extra.flatMap(({ index, key }) => {
        const value = cell(row.cells, index).trim();
        return value ? [[key, value]] : [];
      }),
    );
    expect(contact?.extra).toEqual(extras);
  }
  expect(next).toBe(contacts.length);
  return 'imported';
}

describe('CSV import, property: every generated file imports exactly what a reference reader sees, or is refused', () => {
  it('holds for files with mixed line ends, quotes, BOM, both delimiters, blank lines and breakage', async () => {
    const { seed, numRuns } = fuzzParameters(200);
    const tally = { imported: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(generatedCsv(), fc.integer({ min: 1, max: 6 }), async (file, batchSize) => {
        tally[await checkFile(file, batchSize)]++;
      }),
      { seed, numRuns },
    );
    // Both sides are exercised: the generator has not drifted into only one of them.
    expect(tally.imported).toBeGreaterThan(numRuns / 2);
    expect(tally.refused).toBeGreaterThan(numRuns / 50);
    // A bound for a stuck run, not a timing assertion: 200 runs take a few seconds.
  }, 120_000);

  it('the reference itself reads the issue 12 repro as four rows', () => {
    const bytes = Buffer.from(
      'email,name\r\nm1@x.com,One\nm2@x.com,Two\rm3@x.com,Three\r\nm4@x.com,Four\n',
    );
    const result = referenceParse(bytes, ',');
    expect(result.ok && result.records.map((r) => [r.line, r.cells[0]])).toEqual([
      [1, 'email'],
      [2, 'm1@x.com'],
      [3, 'm2@x.com'],
      [4, 'm3@x.com'],
      [5, 'm4@x.com'],
    ]);
  });
});
