// template-demo
// `make bench-import`: 100,000 contacts through the real path (multipart upload → Postgres →
// BullMQ → worker → upserts → completed), next to two ceilings measured in the same run on the
// same file: a plain COPY into an empty table, and the same work in SQL alone (COPY into a staging
// table, then one INSERT … ON CONFLICT into a table with the real contacts indexes). Prints
// figures; asserts nothing.
//
//   make bench-import                      # 100,000 rows
//   make bench-import ARGS="--rows 1000000"
//   make bench-import ARGS="--workers 1,3 --files 6"   # then 6 files at once, 1 vs 3 workers
//
// --workers adds, in the same run, one more measurement per listed count: that many worker
// processes (WORKER_CONCURRENCY each) importing --files files of rows/files rows uploaded at once
// (one import is one job, so only several files can use several workers). docs/scaling.md.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { runMigrations } from '@app/db/migrate';
import { stageStandaloneWeb, startWeb, waitForHealthy } from '@app/web/testing/standalone';
import { contactsCsv, expectedCounts } from '@app/worker/testing';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, step } from '../lib/output.ts';
import { fmt, freePort, scratchDatabase, start, waitForUrl } from './lib.ts';

const usage =
  'usage: make bench-import [ARGS="--rows N [--workers 1,3 --files K]"]   (N: rows, default 100000; K: files at once, default 6)';
function options() {
  try {
    const { values } = parseArgs({
      options: {
        rows: { type: 'string', default: '100000' },
        workers: { type: 'string', default: '' },
        files: { type: 'string', default: '6' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) {
      console.log(usage);
      process.exit(0);
    }
    const rows = Number(values.rows);
    if (!Number.isInteger(rows) || rows < 1000 || rows > 10_000_000) {
      throw new Error(`--rows must be a whole number from 1000 to 10000000, not "${values.rows}"`);
    }
    const workers = values.workers ? values.workers.split(',').map(Number) : [];
    if (workers.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) {
      throw new Error(
        `--workers must list worker counts from 1 to 8, like 1,3, not "${values.workers}"`,
      );
    }
    const files = Number(values.files);
    if (!Number.isInteger(files) || files < 1 || files > 50) {
      throw new Error(`--files must be a whole number from 1 to 50, not "${values.files}"`);
    }
    return { rows, workers, files };
  } catch (error) {
    console.error(`bench-import: ${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}
const { rows: ROWS, workers: WORKER_COUNTS, files: FILES } = options();
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
  const startWorker = async (port: number) => {
    const proc = start('pnpm', ['exec', 'tsx', 'src/main.ts'], path.join(root, 'apps/worker'), {
      ...shared,
      WORKER_HEALTH_PORT: String(port),
    });
    procs.push(proc);
    await waitForUrl(`http://127.0.0.1:${port}/readyz`, proc);
    return proc;
  };
  // Stopped once: a second stop() would signal a process group that is gone.
  const stopWorker = async (proc: (typeof procs)[number]) => {
    procs.splice(procs.indexOf(proc), 1);
    await proc.stop();
  };
  step('starting the production web server and the worker');
  const [, worker] = await Promise.all([waitForHealthy(web), startWorker(healthPort)]);

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
  const copyInto = async (table: string) => {
    const writable = await sql
      .unsafe(`copy ${table} from stdin with (format csv, header true)`)
      .writable();
    await pipeline(Readable.from([csv]), writable);
  };
  const columns = 'first text, last text, email text, company text, phone text, notes text';
  await sql.unsafe(`create table bench_copy (${columns})`);
  const copyStarted = performance.now();
  await copyInto('bench_copy');
  const copyMs = performance.now() - copyStarted;
  const [copied] = await sql<{ n: number }[]>`select count(*)::int as n from bench_copy`;

  // The same work as the import in SQL alone: every row staged, the valid ones normalised and
  // upserted into a table with contacts' own indexes and constraints, in one statement.
  step('the same work in SQL: COPY into staging, one INSERT … ON CONFLICT (the ceiling)');
  await sql`create table bench_contacts (like contacts including all)`;
  await sql.unsafe(`create unlogged table bench_staging (${columns})`);
  const sameStarted = performance.now();
  await copyInto('bench_staging');
  const [upserted] = await sql<{ n: number }[]>`
    with upserted as (
      insert into bench_contacts (email, name, company, phone, extra)
      select distinct on (lower(btrim(email))) lower(btrim(email)),
        nullif(btrim(concat_ws(' ', first, last)), ''), nullif(company, ''), nullif(phone, ''),
        case when notes is null or notes = '' then '{}'::jsonb else jsonb_build_object('notes', notes) end
      from bench_staging
      where email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
      order by lower(btrim(email))
      on conflict (email) do update set name = excluded.name, company = excluded.company,
        phone = excluded.phone, extra = excluded.extra, updated_at = now()
      returning 1)
    select count(*)::int as n from upserted`;
  const sameMs = performance.now() - sameStarted;

  // Several files at once with 1, 3, … worker processes (--workers): the first worker above is
  // stopped, so each count starts its own, on emptied tables.
  const scaled: { workers: number; ms: number }[] = [];
  if (WORKER_COUNTS.length > 0) {
    await stopWorker(worker);
    const perFile = Math.floor(ROWS / FILES);
    for (const count of WORKER_COUNTS) {
      await sql`truncate contacts, import_errors, imports cascade`;
      step(`${count} worker process(es): ${FILES} files of ${fmt(perFile)} rows uploaded at once`);
      const workers = await Promise.all(
        Array.from({ length: count }, async () => startWorker(await freePort())),
      );
      const files = Array.from({ length: FILES }, (_, f) =>
        contactsCsv({ rows: perFile, invalidPercent: 3, emailPrefix: `w${count}f${f}` }),
      );
      const started = performance.now();
      const done = await Promise.all(files.map((bytes, f) => importFile(bytes, `file-${f}.csv`)));
      const ms = performance.now() - started;
      const want = expectedCounts(perFile, 3);
      if (done.some((d) => d.inserted !== want.valid || d.invalid !== want.invalid)) {
        throw new Error(`counts are off with ${count} workers: ${JSON.stringify(done)}`);
      }
      scaled.push({ workers: count, ms });
      await Promise.all(workers.map(stopWorker));
    }
  }
  await sql.end();

  const apiRate = (ROWS * 1000) / run.ms;
  const copyRate = ((copied?.n ?? ROWS) * 1000) / copyMs;
  const sameRate = (ROWS * 1000) / sameMs;
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
  console.log(
    `| same work in SQL (staging COPY + one upsert, ${fmt(upserted?.n ?? 0)} rows) | ${fmt(sameMs / 1000, 2)} | ${fmt(sameRate)} |`,
  );
  console.log(`| plain COPY into an empty table | ${fmt(copyMs / 1000, 2)} | ${fmt(copyRate)} |`);
  console.log(`| ratio: same-work SQL time / import time | | ${fmt(sameMs / run.ms, 2)} |`);
  console.log(`| ratio: plain COPY time / import time | | ${fmt(copyMs / run.ms, 2)} |`);
  if (scaled.length > 0) {
    const perFile = Math.floor(ROWS / FILES);
    const first = scaled[0] as { workers: number; ms: number };
    console.log(
      `\n${bold('worker processes')} (${FILES} files × ${fmt(perFile)} rows at once, WORKER_CONCURRENCY default; ${os.availableParallelism()} CPUs)`,
    );
    console.log(`| workers | seconds | rows/s | time vs ${first.workers} worker(s) |`);
    console.log('| ---: | ---: | ---: | ---: |');
    for (const { workers, ms } of scaled) {
      const rate = (perFile * FILES * 1000) / ms;
      console.log(
        `| ${workers} | ${fmt(ms / 1000, 2)} | ${fmt(rate)} | ${fmt(ms / first.ms, 2)} |`,
      );
    }
  }
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  for (const cleanup of cleanups) await cleanup();
  await database.drop();
  const redis = new Redis(env.REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
}
