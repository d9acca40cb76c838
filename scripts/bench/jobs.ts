// `make bench-jobs`: jobs/s through the project's job runtime (registry lookup, zod payload
// validation, job context, logging, metrics: `startJobRuntime` exactly as the worker starts it)
// next to a bare BullMQ Worker doing the same work in the same run (the ceiling), at the worker's
// default concurrency. A no-op job measures the runtime's own cost; one upsert per job (of `examples`) measures
// what it costs next to typical work. Prints figures; asserts nothing.

import { randomBytes } from 'node:crypto';
import { createDb } from '@app/db';
import { runMigrations } from '@app/db/migrate';
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

commandArgs({
  usage: 'make bench-jobs',
  summary: 'Jobs/s through the job runtime vs a bare BullMQ worker (no-op and upsert).',
  options: {},
});

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
const db = createDb(database.url, { max: CONCURRENCY + 2, applicationName: 'bench-jobs' });
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
async function measure(kind: Kind, c: Case, round: number): Promise<number> {
  const prefix = `bench-jobs-${id}-${round}-${kind}-${c.definition.name}`;
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
  await db.sql`
    insert into examples (id, message)
    select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'Example ' || i
    from generate_series(0, ${ROWS - 1}) i`;
  step(
    `${ROUNDS} rounds, concurrency ${CONCURRENCY}: ${fmt(NOOP_JOBS)} no-op and ${fmt(UPSERT_JOBS)} upsert jobs each`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of cases) {
      // Alternate which goes first, so warm-up and drift do not favour one side.
      const order: Kind[] = round % 2 === 1 ? ['raw', 'runtime'] : ['runtime', 'raw'];
      for (const kind of order) {
        const rate = await measure(kind, c, round);
        const key = `${c.definition.name}/${kind}`;
        rates.set(key, [...(rates.get(key) ?? []), rate]);
        step(`round ${round}: ${c.definition.name} ${kind} ${fmt(rate)} jobs/s`);
      }
    }
  }

  console.log(`\n${bold('Jobs per second (median of rounds), one worker process, c=10')}\n`);
  console.log('| job | jobs | raw BullMQ Worker | job runtime | runtime / raw | aim |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [c, aim] of [
    [cases[0], 0.8],
    [cases[1], 0.9],
  ] as const) {
    if (!c) continue;
    const raw = median(rates.get(`${c.definition.name}/raw`) ?? []);
    const runtime = median(rates.get(`${c.definition.name}/runtime`) ?? []);
    console.log(
      `| ${c.definition.name} | ${fmt(c.jobs)} | ${fmt(raw)} | ${fmt(runtime)} | ${fmt((runtime / raw) * 100)} % | ≥ ${aim * 100} % |`,
    );
  }
} finally {
  await db.close();
  await database.drop();
  const { Redis } = await import('ioredis');
  const redis = new Redis(env.REDIS_URL);
  for (const prefix of prefixes) await unlinkMatching(redis, `${prefix}:*`);
  redis.disconnect();
}
