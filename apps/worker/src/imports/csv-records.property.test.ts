// template-demo
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParameters, generatedCsv } from '../testing/csv-reference.ts';
import { CsvFileError, cleanRowCount, csvRecords } from './csv-records.ts';

/** What a full csv-parse read says: the rows after the header, or the file's fault. */
async function parsed(chunks: Uint8Array[], delimiter: ',' | ';'): Promise<number | 'refused'> {
  let rows = 0;
  try {
    for await (const { line } of csvRecords(chunks, delimiter, { positions: false })) {
      if (line > 1) rows++;
    }
  } catch (error) {
    if (error instanceof CsvFileError) return 'refused';
    throw error;
  }
  return rows;
}

describe('cleanRowCount, property: the first pass scan never accepts what csvRecords refuses', () => {
  it('gives csvRecords’ row count for a clean file and undefined for every broken one', async () => {
    const { seed, numRuns } = fuzzParameters(400);
    const tally = { scanned: 0, handedOn: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(generatedCsv(), async (file) => {
        const full = await parsed(file.chunks, file.delimiter);
        const quick = await cleanRowCount(file.chunks, file.delimiter);
        if (full === 'refused') {
          tally.refused++;
          expect(quick, `scan accepted a broken file (${file.mutation})`).toBeUndefined();
        } else if (quick === undefined) tally.handedOn++;
        else {
          tally.scanned++;
          expect(quick).toBe(full);
        }
      }),
      { seed, numRuns },
    );
    // The scan answers most clean files itself, and broken ones are generated.
    expect(tally.scanned).toBeGreaterThan(tally.handedOn);
    expect(tally.refused).toBeGreaterThan(numRuns / 50);
  }, 120_000);
});
