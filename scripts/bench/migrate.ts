// `make bench-migrate`: how long migrate-from-impl2 takes for a ~1 GB database and 100k Redis keys,
// next to a plain `pg_dump -Fc | pg_restore` of the same database in the same run. Everything
// lives under unique names on the Postgres from .env and on two redis-servers of its own, and is
// removed at the end (also after Ctrl-C). Prints figures; asserts nothing.
import { execSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { commandArgs } from '../lib/args.ts';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, fail, ok, step } from '../lib/output.ts';
import { connectionArgs } from '../migrate-from-impl2/pg-tools.ts';
import { formatBytes } from '../migrate-from-impl2/progress.ts';
import { type RedisServer, runTool, startRedis } from '../migrate-from-impl2/testing.ts';
import { withDatabase } from '../migrate-from-impl2/urls.ts';
import { generateEventsDatabase } from './lib.ts';

const { values: args } = commandArgs({
  usage: 'make bench-migrate [ARGS="--mb 1000 --keys 100000"]',
  summary:
    'Time migrate-from-impl2 on a generated database and Redis next to plain pg_dump | pg_restore.',
  options: {
    mb: { type: 'number', min: 10, max: 20_000, default: 1000, description: 'database size in MB' },
    keys: { type: 'number', min: 0, default: 100_000, description: 'Redis keys to copy' },
  },
});
const { mb, keys } = args;

const env = loadScriptsEnv('bench-migrate');
const id = randomBytes(3).toString('hex');
const names = {
  source: `bench_impl2_${id}_src`,
  tool: `bench_impl2_${id}_tool`,
  plain: `bench_impl2_${id}_plain`,
};
const url = (name: string) => withDatabase(env.DATABASE_URL, name);
const admin = postgres(withDatabase(env.DATABASE_URL, 'postgres'), { max: 1, onnotice: () => {} });
const servers: RedisServer[] = [];

async function cleanup() {
  for (const name of [...Object.values(names), `${names.tool}_impl2_staging`]) {
    await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
  }
  await admin.end({ timeout: 2 });
  await Promise.all(servers.map((s) => s.stop()));
}
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

const seconds = (started: number) => (Date.now() - started) / 1000;

/** Like die(), but as an exception, so `finally` still removes what the benchmark created. */
class BenchError extends Error {}
function stop(message: string): never {
  throw new BenchError(message);
}

try {
  const free = execSync('df -Pk .', { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[3];
  if (Number(free) * 1024 < mb * 1e6 * 5)
    stop(`not enough disk for a ${mb} MB benchmark (needs about ${mb * 5} MB free)`);

  step(`generating ${mb} MB in ${names.source} and ${keys} Redis keys`);
  let started = Date.now();
  await admin.unsafe(`create database "${names.source}"`);
  const { size, rows } = await generateEventsDatabase(url(names.source), mb);

  const [redisSource, redisTarget] = await Promise.all([
    startRedis({ appendonly: false }),
    startRedis({ appendonly: true }),
  ]);
  servers.push(redisSource, redisTarget);
  const redis = new Redis(redisSource.url, { maxRetriesPerRequest: null });
  for (let i = 0; i < keys; i += 5000) {
    const pipe = redis.pipeline();
    for (let k = i; k < Math.min(keys, i + 5000); k++) {
      if (k % 4 === 0) pipe.set(`cache:${k}`, randomBytes(32).toString('hex'), 'EX', 3600);
      else if (k % 4 === 1) pipe.hset(`session:${k}`, { user: String(k), at: String(Date.now()) });
      else if (k % 4 === 2) pipe.sadd(`tags:${k}`, 'a', 'b', String(k));
      else pipe.zadd(`rank:${k}`, k, 'x', k + 1, 'y');
    }
    await pipe.exec();
  }
  // Plus real BullMQ state: 2,000 waiting and 500 delayed jobs.
  const queue = new Queue('imports', { connection: redis, prefix: 'bull' });
  await queue.addBulk(Array.from({ length: 2000 }, (_, n) => ({ name: 'bench', data: { n } })));
  await queue.addBulk(
    Array.from({ length: 500 }, (_, n) => ({
      name: 'bench',
      data: { n },
      opts: { delay: 3_600_000 },
    })),
  );
  await queue.close();
  const totalKeys = await redis.dbsize();
  redis.disconnect();
  ok(
    `generated ${formatBytes(Number(size))} (${rows} rows) and ${totalKeys} Redis keys in ${seconds(started).toFixed(0)} s`,
  );

  step('migrate-from-impl2 (dump, restore, verify Postgres; copy and verify Redis)');
  started = Date.now();
  const run = runTool([
    '--from-database-url',
    url(names.source),
    '--from-redis-url',
    redisSource.url,
    '--to-database-url',
    url(names.tool),
    '--to-redis-url',
    redisTarget.url,
    '--dotenv',
    '/nonexistent/.env',
    '--yes',
  ]);
  const code = await run.exited;
  const toolSeconds = seconds(started);
  if (code !== 0) stop(`migrate-from-impl2 failed (${code}):\n${run.output()}`);
  const summary =
    run
      .output()
      .split('Summary')[1]
      ?.split('\n')
      .filter((l) => /\d s$/.test(l)) ?? [];

  step('plain pg_dump -Fc | pg_restore --no-owner --no-acl (no verification)');
  await admin.unsafe(`drop database "${names.tool}" with (force)`); // disk: one copy at a time
  await admin.unsafe(`create database "${names.plain}"`);
  started = Date.now();
  const from = connectionArgs(url(names.source));
  const to = connectionArgs(url(names.plain));
  const plain = spawnSync(
    'sh',
    [
      '-c',
      `pg_dump -Fc "$1" | pg_restore --no-owner --no-acl --exit-on-error "$2"`,
      'sh',
      from.args[0] ?? '',
      to.args[0] ?? '',
    ],
    { stdio: 'inherit', env: from.env },
  );
  const plainSeconds = seconds(started);
  if (plain.status !== 0) stop('plain pg_dump | pg_restore failed');

  console.log(
    bold(
      `\nmigrate-from-impl2 benchmark (${formatBytes(Number(size))} database, ${rows} rows; ${totalKeys} Redis keys)`,
    ),
  );
  console.log(`  migrate-from-impl2, whole run            ${toolSeconds.toFixed(1)} s`);
  for (const line of summary) console.log(`    ${line.trim()}`);
  console.log(
    `  plain pg_dump -Fc | pg_restore (Postgres only, unverified)  ${plainSeconds.toFixed(1)} s`,
  );
} catch (error) {
  if (!(error instanceof BenchError)) throw error;
  fail(error.message);
  process.exitCode = 1;
} finally {
  await cleanup();
}
