// demo:start
import { setTimeout as sleep } from 'node:timers/promises';
import { contactsCsv, expectedCounts } from '@app/worker/testing';
// demo:end

/**
 * What the previous release must still do on the new schema, over HTTP only: health, a CSV import
 * end to end (upload through the API, the worker imports it, the row counts), and the dashboard
 * and contacts pages. Each step throws an Error whose message says what it saw.
 */

export type App = {
  url: string;
  fetch: (pathname: string, init?: RequestInit) => Promise<Response>;
  output: () => string;
  stop: () => Promise<void>;
};

export type SmokeStep = { name: string; ms: number };

// demo:start
const ROWS = 200;
const INVALID_PERCENT = 2;
// demo:end

async function expectStatus(response: Response, status: number, what: string): Promise<string> {
  const text = await response.text();
  if (response.status !== status)
    throw new Error(`${what} answered ${response.status}, not ${status}: ${text.slice(0, 200)}`);
  return text;
}

export async function smoke(app: App): Promise<SmokeStep[]> {
  const steps: SmokeStep[] = [];
  const run = async (name: string, fn: () => Promise<void>) => {
    const t = performance.now();
    try {
      await fn();
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
    steps.push({ name, ms: Math.round(performance.now() - t) });
  };

  await run('GET /api/health', async () => {
    const body = JSON.parse(await expectStatus(await app.fetch('/api/health'), 200, '/api/health'));
    if (body.status !== 'ok') throw new Error(`status ${JSON.stringify(body.status)}, not "ok"`);
  });

  // demo:start
  const timeoutMs = 90_000;
  await run('CSV import', async () => {
    const bytes = contactsCsv({ rows: ROWS, invalidPercent: INVALID_PERCENT, spreadsheet: true });
    const expected = expectedCounts(ROWS, INVALID_PERCENT);
    const form = new FormData();
    form.append('file', new File([bytes], 'rollback-check.csv', { type: 'text/csv' }));
    const posted = await app.fetch('/api/imports', { method: 'POST', body: form });
    const created = JSON.parse(await expectStatus(posted, 202, 'POST /api/imports')) as {
      import: { id: string };
    };
    const id = created.import.id;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await app.fetch(`/api/imports/${id}`);
      const body = JSON.parse(await expectStatus(response, 200, `GET /api/imports/${id}`)) as {
        import: {
          status: string;
          processedRows: number;
          inserted: number;
          invalid: number;
          error: string | null;
        };
      };
      const run = body.import;
      if (run.status === 'completed') {
        if (
          run.processedRows !== expected.processed ||
          run.invalid !== expected.invalid ||
          run.inserted !== expected.valid
        )
          throw new Error(
            `completed with ${run.processedRows} rows (${run.invalid} invalid), expected ${expected.processed} (${expected.invalid} invalid)`,
          );
        return;
      }
      if (run.status === 'failed' || run.status === 'cancelled')
        throw new Error(`import ${run.status}: ${run.error ?? 'no error recorded'}`);
      if (Date.now() > deadline)
        throw new Error(
          `import still ${run.status} after ${timeoutMs} ms (${run.processedRows} rows)`,
        );
      await sleep(250);
    }
  });
  // demo:end

  for (const page of [
    '/',
    // demo:start
    '/contacts',
    // demo:end
  ]) {
    await run(`GET ${page}`, async () => {
      await expectStatus(await app.fetch(page), 200, page);
    });
  }
  return steps;
}
