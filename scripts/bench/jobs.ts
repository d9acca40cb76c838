// `make bench-jobs`: jobs/s through the project's job runtime (registry lookup, zod payload
// validation, job context, logging, metrics: `startJobRuntime` exactly as the worker starts it)
// next to a bare BullMQ Worker doing the same work in the same run (the ceiling), at the worker's
// default concurrency. A no-op job measures the runtime's own cost; one upsert per job (of `examples`) measures
// what it costs next to typical work. Prints figures; asserts nothing. With --via-pgbouncer every
// round also runs with the database through a PgBouncer in pool_mode=transaction that the bench
// starts (DATABASE_POOL_MODE=transaction: no named prepared statements), as a managed pool.

import { randomBytes } from 'node:crypto';
import { createDb } from '@app/db';
import { runMigrations } from '@app/db/migrate';
import { startPgBouncer } from '@app/db/testing/processes';
import { type JobDefinition, jobOptions } from '@app/shared/contracts';
import { createLogger } from '@app/shared/logger';
import { createWorkerConnection } from '@app/shared/redis';
import {
  benchNoop,
  benchRegistry,
  benchRowId,
  benchUpsert,
  startJobRuntime,
  upsertExample,
} from '@app/worker/testing/bench';
import { Queue, Worker } from 'bullmq';
import { commandArgs } from '../lib/args.ts';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, step } from '../lib/output.ts';
import { unlinkMatching } from '../lib/redis.ts';
import { fmt, scratchDatabase } from './lib.ts';

const { values: args } = commandArgs({
  usage: 'make bench-jobs [ARGS=--via-pgbouncer]',
  summary: 'Jobs/s through the job runtime vs a bare BullMQ worker (no-op and upsert).',
  options: {
    'via-pgbouncer': {
      type: 'boolean',
      description: 'also run every round through a transaction-mode PgBouncer, same run',
    },
  },
});
/** Server connections of the bench's PgBouncer: fewer than the worker's pool, as a small managed pool. */
const POOL_SIZE = 10;

const NOOP_JOBS = Number(process.env.BENCH_NOOP_JOBS ?? 20_000);
const UPSERT_JOBS = Number(process.env.BENCH_UPSERT_JOBS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** WORKER_CONCURRENCY's default (apps/worker/src/env.ts). */
const CONCURRENCY = 10;
/** Upserts hit this many existing rows (seeded first), so every run does the same work. */
const ROWS = 5000;

const env = loadScriptsEnv('bench-jobs');
const id = randomBytes(3).toString('hex');
const database = await scratchDatabase(env.DATABASE_URL, `bench_jobs_${id}`);
// The worker's pool: concurrency plus 2 (apps/worker/src/main.ts).
const direct = createDb(database.url, { max: CONCURRENCY + 2, applicationName: 'bench-jobs' });
type Target = { label: string; db: typeof direct };
const targets: Target[] = [{ label: 'direct', db: direct }];
const stops: (() => Promise<void>)[] = [];
// As the worker logs in production: JSON at info. Nothing is logged per successful job.
const logger = createLogger({ name: 'worker', level: 'info', format: 'json', version: 'bench' });
const prefixes: string[] = [];

type Kind = 'raw' | 'runtime';
type Case = { definition: JobDefinition; jobs: number; payload: (i: number) => unknown };

const cases: Case[] = [
  { definition: benchNoop, jobs: NOOP_JOBS, payload: (i) => ({ n: i }) },
  {
    definition: benchUpsert,
    jobs: UPSERT_JOBS,
    payload: (i) => ({ id: benchRowId(i % ROWS), message: `Example ${i}` }),
  },
];

/** Fills a fresh queue with `jobs` jobs, then times a worker of `kind` until all completed. */
async function measure(kind: Kind, c: Case, round: number, target: Target): Promise<number> {
  const { db } = target;
  const prefix = `bench-jobs-${id}-${round}-${target.label}-${kind}-${c.definition.name}`;
  prefixes.push(prefix);
  const connection = createWorkerConnection(env.REDIS_URL, env.REDIS_CA_FILE);
  const queue = new Queue(c.definition.queue, { connection, prefix });
  const opts = jobOptions(c.definition);
  for (let i = 0; i < c.jobs; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, c.jobs - i) }, (_, k) => ({
      name: c.definition.name,
      data: c.payload(i + k),
      opts,
    }));
    await queue.addBulk(batch);
  }

  let completed = 0;
  let failed = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const count = (worker: Worker) => {
    worker.on('completed', () => {
      if (++completed + failed === c.jobs) done();
    });
    worker.on('failed', () => {
      if (completed + ++failed === c.jobs) done();
    });
  };

  const started = performance.now();
  let close: () => Promise<unknown>;
  if (kind === 'runtime') {
    const runtime = startJobRuntime({
      connection,
      prefix,
      concurrency: CONCURRENCY,
      db,
      logger,
      registry: benchRegistry,
      queues: [c.definition.queue],
    });
    for (const worker of runtime.workers) count(worker);
    close = () => runtime.close(10_000);
  } else {
    const upsert = c.definition === benchUpsert;
    const worker = new Worker(
      c.definition.queue,
      async (job) => {
        if (upsert) await upsertExample(db.sql, job.data.id, job.data.message);
      },
      { connection, prefix, concurrency: CONCURRENCY },
    );
    worker.on('error', () => {});
    count(worker);
    close = () => worker.close();
  }
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await close();
  await queue.close();
  connection.disconnect();
  if (failed > 0) throw new Error(`${failed} ${c.definition.name} jobs failed (${kind})`);
  return c.jobs / seconds;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

const rates = new Map<string, number[]>();
try {
  await runMigrations(database.url);
  if (args['via-pgbouncer']) {
    const bouncer = await startPgBouncer({
      target: database.url,
      poolMode: 'transaction',
      poolSize: POOL_SIZE,
    });
    stops.push(() => bouncer.stop());
    const pooled = createDb(bouncer.url, {
      max: CONCURRENCY + 2,
      applicationName: 'bench-jobs',
      poolMode: 'transaction',
    });
    stops.unshift(() => pooled.close());
    targets.push({ label: 'pgbouncer', db: pooled });
  }
  await direct.sql`
    insert into examples (id, message)
    select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'Example ' || i
    from generate_series(0, ${ROWS - 1}) i`;
  step(
    `${ROUNDS} rounds, concurrency ${CONCURRENCY}: ${fmt(NOOP_JOBS)} no-op and ${fmt(UPSERT_JOBS)} upsert jobs each`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first, so warm-up and drift do not favour one side.
    const ordered = round % 2 === 1 ? targets : [...targets].reverse();
    for (const target of ordered) {
      for (const c of cases) {
        const order: Kind[] = round % 2 === 1 ? ['raw', 'runtime'] : ['runtime', 'raw'];
        for (const kind of order) {
          const rate = await measure(kind, c, round, target);
          const key = `${target.label}/${c.definition.name}/${kind}`;
          rates.set(key, [...(rates.get(key) ?? []), rate]);
          step(`round ${round}: ${target.label} ${c.definition.name} ${kind} ${fmt(rate)} jobs/s`);
        }
      }
    }
  }

  console.log(`\n${bold('Jobs per second (median of rounds), one worker process, c=10')}\n`);
  console.log('| job | database | jobs | raw BullMQ Worker | job runtime | runtime / raw | aim |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  const medianOf = (target: Target, c: Case, kind: Kind) =>
    median(rates.get(`${target.label}/${c.definition.name}/${kind}`) ?? []);
  for (const [c, aim] of [
    [cases[0], 0.8],
    [cases[1], 0.9],
  ] as const) {
    if (!c) continue;
    for (const target of targets) {
      const raw = medianOf(target, c, 'raw');
      const runtime = medianOf(target, c, 'runtime');
      const where =
        target.label === 'direct' ? 'direct' : `PgBouncer transaction pool (${POOL_SIZE})`;
      console.log(
        `| ${c.definition.name} | ${where} | ${fmt(c.jobs)} | ${fmt(raw)} | ${fmt(runtime)} | ${fmt((runtime / raw) * 100)} % | ≥ ${aim * 100} % |`,
      );
    }
  }
  const [first, pooled] = targets;
  if (first && pooled) {
    console.log('\n| job | PgBouncer / direct, raw | PgBouncer / direct, runtime |');
    console.log('| --- | ---: | ---: |');
    for (const c of cases) {
      const ratio = (kind: Kind) => medianOf(pooled, c, kind) / medianOf(first, c, kind);
      console.log(
        `| ${c.definition.name} | ${fmt(ratio('raw'), 2)} | ${fmt(ratio('runtime'), 2)} |`,
      );
    }
  }
} finally {
  for (const stop of stops) await stop();
  await direct.close();
  await database.drop();
  const { Redis } = await import('ioredis');
  const redis = new Redis(env.REDIS_URL);
  for (const prefix of prefixes) await unlinkMatching(redis, `${prefix}:*`);
  redis.disconnect();
}
