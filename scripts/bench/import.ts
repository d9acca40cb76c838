// `make bench-import`: 100,000 contacts through the real path (multipart upload → Postgres →
// BullMQ → worker → upserts → completed), next to a plain COPY of the same rows into an empty
// table measured in the same run (the ceiling). Prints figures; asserts nothing.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { runMigrations } from '@app/db/migrate';
import { stageStandaloneWeb, startWeb, waitForHealthy } from '@app/web/testing/standalone';
import { contactsCsv, expectedCounts } from '@app/worker/testing';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, step } from '../lib/output.ts';
import { fmt, freePort, scratchDatabase, start, waitForUrl } from './lib.ts';

const ROWS = Number(process.argv[2] ?? 100_000);
const env = loadScriptsEnv('bench-import');
const root = process.cwd();
const id = randomBytes(3).toString('hex');
const prefix = `bench-${id}`;

const database = await scratchDatabase(env.DATABASE_URL, `bench_import_${id}`);
const procs: Awaited<ReturnType<typeof start>>[] = [];
const cleanups: (() => Promise<void>)[] = [];
const BENCH_PASSWORD = randomBytes(12).toString('hex');
try {
  await runMigrations(database.url);
  // The production server as the image runs it (standalone output, built once if stale), with
  // Basic auth as production requires; requests carry credentials and a same-origin Origin.
  const staged = await stageStandaloneWeb();
  const healthPort = await freePort();
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: env.REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };
  const web = await startWeb(staged, {
    ...shared,
    BASIC_AUTH_USER: 'bench',
    BASIC_AUTH_PASSWORD: BENCH_PASSWORD,
    IMPORT_MAX_BYTES: String(200 * 1024 * 1024),
    IMPORT_RATE_LIMIT: '1000/minute',
  });
  cleanups.push(
    () => web.stop(),
    () => staged.remove(),
  );
  const worker = start('pnpm', ['exec', 'tsx', 'src/main.ts'], path.join(root, 'apps/worker'), {
    ...shared,
    WORKER_HEALTH_PORT: String(healthPort),
  });
  procs.push(worker);
  step('starting the production web server and the worker');
  await Promise.all([
    waitForHealthy(web),
    waitForUrl(`http://127.0.0.1:${healthPort}/readyz`, worker),
  ]);

  const base = web.url;
  const headers = {
    authorization: `Basic ${Buffer.from(`bench:${BENCH_PASSWORD}`).toString('base64')}`,
    origin: base,
  };
  const importFile = async (bytes: Buffer, name: string) => {
    const form = new FormData();
    form.append('file', new File([bytes], name, { type: 'text/csv' }));
    const started = performance.now();
    const response = await fetch(`${base}/api/imports`, { method: 'POST', body: form, headers });
    if (response.status !== 202)
      throw new Error(`upload answered ${response.status}: ${await response.text()}`);
    const uploadedMs = performance.now() - started;
    const { import: created } = (await response.json()) as { import: { id: string } };
    for (;;) {
      const state = (await (
        await fetch(`${base}/api/imports/${created.id}`, { headers })
      ).json()) as {
        import: { status: string; inserted: number; invalid: number; error: string | null };
      };
      if (state.import.status === 'completed')
        return { ms: performance.now() - started, uploadedMs, ...state.import };
      if (state.import.status === 'failed') throw new Error(`import failed: ${state.import.error}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  step('warming up (first request compiles nothing in production, but opens pools)');
  await importFile(contactsCsv({ rows: 100, emailPrefix: 'warmup' }), 'warmup.csv');

  const csv = contactsCsv({ rows: ROWS, invalidPercent: 3 });
  const expected = expectedCounts(ROWS, 3);
  step(
    `importing ${fmt(ROWS)} rows (${fmt(csv.byteLength / 1024 / 1024, 1)} MB) through the API and the worker`,
  );
  const run = await importFile(csv, 'bench.csv');
  if (run.inserted !== expected.valid || run.invalid !== expected.invalid) {
    throw new Error(`counts are off: ${JSON.stringify(run)} vs ${JSON.stringify(expected)}`);
  }

  step('COPY of the same rows into an empty table (the ceiling)');
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  await sql`create table bench_copy (first text, last text, email text, company text, phone text, notes text)`;
  const copyStarted = performance.now();
  const writable = await sql`copy bench_copy from stdin with (format csv, header true)`.writable();
  await pipeline(Readable.from([csv]), writable);
  const copyMs = performance.now() - copyStarted;
  const [copied] = await sql<{ n: number }[]>`select count(*)::int as n from bench_copy`;
  await sql.end();

  const apiRate = (ROWS * 1000) / run.ms;
  const copyRate = ((copied?.n ?? ROWS) * 1000) / copyMs;
  console.log(
    `\n${bold('bench-import')} (${fmt(ROWS)} rows, 3% invalid; ${new Date().toISOString()})`,
  );
  console.log('| path | seconds | rows/s |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| upload → completed (API + queue + worker) | ${fmt(run.ms / 1000, 2)} | ${fmt(apiRate)} |`,
  );
  console.log(
    `|   of which upload (HTTP + store in Postgres) | ${fmt(run.uploadedMs / 1000, 2)} | |`,
  );
  console.log(`| plain COPY into an empty table | ${fmt(copyMs / 1000, 2)} | ${fmt(copyRate)} |`);
  console.log(`| ratio (import / COPY) | | ${fmt(apiRate / copyRate, 2)} |`);
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  for (const cleanup of cleanups) await cleanup();
  await database.drop();
  const redis = new Redis(env.REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
}
