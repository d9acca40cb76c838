// template-demo
// `make bench-import`: 100,000 contacts through the real path (multipart upload → Postgres →
// BullMQ → worker → upserts → completed), next to two ceilings measured in the same run on the
// same file: a plain COPY into an empty table, and the same work in SQL alone (COPY into a staging
// table, then one INSERT … ON CONFLICT into a table with the real contacts indexes). Prints
// figures; asserts nothing. With --via-pgbouncer the import runs twice in the same run, web and
// worker restarted in between: on Postgres directly, then with DATABASE_URL through a PgBouncer in
// pool_mode=transaction the bench starts (as a managed database's pool; docs/scaling.md).
//
//   make bench-import                      # 100,000 rows
//   make bench-import ARGS="--rows 1000000"
//   make bench-import ARGS="--rows 20000 --via-pgbouncer"
//   make bench-import ARGS="--workers 1,3 --files 6"   # then 6 files at once, 1 vs 3 workers
//
// --workers adds, in the same run, one more measurement per listed count: that many worker
// processes (WORKER_CONCURRENCY each) importing --files files of rows/files rows uploaded at once
// (one import is one job, so only several files can use several workers). With --via-pgbouncer
// too, those measurements run on both paths, each after that path's single import.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { runMigrations } from '@app/db/migrate';
import { startPgBouncer } from '@app/db/testing/processes';
import { stageStandaloneWeb, startWeb, waitForHealthy } from '@app/web/testing/standalone';
import { contactsCsv, expectedCounts } from '@app/worker/testing';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, step } from '../lib/output.ts';
import { fmt, freePort, scratchDatabase, start, waitForUrl } from './lib.ts';

const usage =
  'usage: make bench-import [ARGS="--rows N [--via-pgbouncer] [--workers 1,3 --files K]"]   (N: rows to import, default 100000; --via-pgbouncer: also through a transaction-mode PgBouncer; --workers: K files at once with each count of worker processes, K default 6)';
/** Server connections of the bench's PgBouncer: a small managed pool's size. */
const POOL_SIZE = 10;
function options() {
  try {
    const { values } = parseArgs({
      options: {
        rows: { type: 'string', default: '100000' },
        'via-pgbouncer': { type: 'boolean', default: false },
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
    return { rows, viaPgbouncer: values['via-pgbouncer'], workers, files };
  } catch (error) {
    console.error(`bench-import: ${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}
const { rows: ROWS, viaPgbouncer, workers: WORKER_COUNTS, files: FILES } = options();
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
  cleanups.push(() => staged.remove());
  const csv = contactsCsv({ rows: ROWS, invalidPercent: 3 });
  const expected = expectedCounts(ROWS, 3);
  const perFile = Math.floor(ROWS / FILES);

  /**
   * Web + worker on `database` (the given URLs), a warm-up, then the timed import, then the
   * --workers measurements on the same URLs; stops every process it started.
   */
  const importThrough = async (label: string, urls: Record<string, string>) => {
    const shared = {
      ...urls,
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
    const workers = new Set<Awaited<ReturnType<typeof start>>>();
    const startWorker = async () => {
      const port = await freePort();
      const proc = start('pnpm', ['exec', 'tsx', 'src/main.ts'], path.join(root, 'apps/worker'), {
        ...shared,
        WORKER_HEALTH_PORT: String(port),
      });
      workers.add(proc);
      await waitForUrl(`http://127.0.0.1:${port}/readyz`, proc);
      return proc;
    };
    // Stopped once: a second stop() would signal a process group that is gone.
    const stopWorker = async (proc: Awaited<ReturnType<typeof start>>) => {
      workers.delete(proc);
      await proc.stop();
    };
    try {
      step(`${label}: starting the production web server and the worker`);
      const [, worker] = await Promise.all([waitForHealthy(web), startWorker()]);
      const base = web.url;
      const headers = {
        authorization: `Basic ${Buffer.from(`bench:${BENCH_PASSWORD}`).toString('base64')}`,
        origin: base,
      };
      const importFile = async (bytes: Buffer, name: string) => {
        const form = new FormData();
        form.append('file', new File([bytes], name, { type: 'text/csv' }));
        const started = performance.now();
        const response = await fetch(`${base}/api/imports`, {
          method: 'POST',
          body: form,
          headers,
        });
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
          if (state.import.status === 'failed')
            throw new Error(`import failed: ${state.import.error}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };

      step(`${label}: warming up (first request compiles nothing in production, but opens pools)`);
      await importFile(contactsCsv({ rows: 100, emailPrefix: 'warmup' }), 'warmup.csv');
      step(
        `${label}: importing ${fmt(ROWS)} rows (${fmt(csv.byteLength / 1024 / 1024, 1)} MB) through the API and the worker`,
      );
      const run = await importFile(csv, 'bench.csv');
      if (run.inserted !== expected.valid || run.invalid !== expected.invalid) {
        throw new Error(`counts are off: ${JSON.stringify(run)} vs ${JSON.stringify(expected)}`);
      }

      // Several files at once with 1, 3, … worker processes (--workers): the first worker is
      // stopped, so each count starts its own, on emptied tables.
      const scaled: { workers: number; ms: number }[] = [];
      if (WORKER_COUNTS.length > 0) await stopWorker(worker);
      for (const count of WORKER_COUNTS) {
        const reset = postgres(database.url, { max: 1, onnotice: () => {} });
        await reset`truncate contacts, import_errors, imports cascade`;
        await reset.end();
        step(
          `${label}: ${count} worker process(es), ${FILES} files of ${fmt(perFile)} rows uploaded at once`,
        );
        const started = await Promise.all(Array.from({ length: count }, () => startWorker()));
        const files = Array.from({ length: FILES }, (_, f) =>
          contactsCsv({ rows: perFile, invalidPercent: 3, emailPrefix: `w${count}f${f}` }),
        );
        const begun = performance.now();
        const done = await Promise.all(files.map((bytes, f) => importFile(bytes, `file-${f}.csv`)));
        const ms = performance.now() - begun;
        const want = expectedCounts(perFile, 3);
        if (done.some((d) => d.inserted !== want.valid || d.invalid !== want.invalid)) {
          throw new Error(`counts are off with ${count} workers: ${JSON.stringify(done)}`);
        }
        scaled.push({ workers: count, ms });
        await Promise.all(started.map(stopWorker));
      }
      return { run, scaled };
    } finally {
      await Promise.all([web.stop(), ...[...workers].map((w) => w.stop())]);
    }
  };

  type Measured = Awaited<ReturnType<typeof importThrough>>;
  const runs: ({ label: string } & Measured)[] = [];
  runs.push({
    label: 'direct',
    ...(await importThrough('direct', { DATABASE_URL: database.url })),
  });
  if (viaPgbouncer) {
    // The same work again: an empty database, so every row is an insert as in the first run.
    const reset = postgres(database.url, { max: 1, onnotice: () => {} });
    const tables = await reset<{ name: string }[]>`
      select quote_ident(tablename) as name from pg_tables where schemaname = 'public'`;
    await reset.unsafe(`truncate ${tables.map((t) => t.name).join(', ')} restart identity cascade`);
    await reset.end();
    const bouncer = await startPgBouncer({
      target: database.url,
      poolMode: 'transaction',
      poolSize: POOL_SIZE,
    });
    cleanups.push(() => bouncer.stop());
    const label = `PgBouncer 1.18 transaction pool (${POOL_SIZE} server connections)`;
    runs.push({
      label,
      ...(await importThrough('through PgBouncer', {
        DATABASE_URL: bouncer.url,
        DATABASE_POOL_MODE: 'transaction',
        DATABASE_DIRECT_URL: database.url,
      })),
    });
    const { transactions } = await bouncer.stats();
    step(`PgBouncer carried ${fmt(transactions)} transactions`);
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
  await sql.end();

  const copyRate = ((copied?.n ?? ROWS) * 1000) / copyMs;
  const sameRate = (ROWS * 1000) / sameMs;
  console.log(
    `\n${bold('bench-import')} (${fmt(ROWS)} rows, 3% invalid; ${new Date().toISOString()})`,
  );
  console.log('| path | seconds | rows/s | same-work SQL time / this |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const { label, run } of runs) {
    console.log(
      `| upload → completed (API + queue + worker), ${label} | ${fmt(run.ms / 1000, 2)} | ${fmt((ROWS * 1000) / run.ms)} | ${fmt(sameMs / run.ms, 2)} |`,
    );
    console.log(
      `|   of which upload (HTTP + store in Postgres) | ${fmt(run.uploadedMs / 1000, 2)} | | |`,
    );
  }
  console.log(
    `| same work in SQL (staging COPY + one upsert, ${fmt(upserted?.n ?? 0)} rows) | ${fmt(sameMs / 1000, 2)} | ${fmt(sameRate)} | 1.00 |`,
  );
  console.log(
    `| plain COPY into an empty table | ${fmt(copyMs / 1000, 2)} | ${fmt(copyRate)} | ${fmt(sameMs / copyMs, 2)} |`,
  );
  const [direct, pooled] = runs;
  if (direct) {
    console.log(
      `| ratio: plain COPY time / import time (direct) | | ${fmt(copyMs / direct.run.ms, 2)} | |`,
    );
  }
  if (direct && pooled) {
    console.log(
      `| ratio: import time through PgBouncer / direct | | ${fmt(pooled.run.ms / direct.run.ms, 2)} | |`,
    );
  }
  for (const { label, scaled } of runs) {
    const [first] = scaled;
    if (!first) continue;
    console.log(
      `\n${bold('worker processes')}, ${label} (${FILES} files × ${fmt(perFile)} rows at once, WORKER_CONCURRENCY default; ${os.availableParallelism()} CPUs)`,
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
