// The steps of `make migrate-from-impl2` before anything is written: resolve both ends, inspect
// them, print the plan, confirm. main.ts runs them in order; each returns what the next needs.
// ~290 lines because every refusal here (same source and target, old pg_dump, a non-empty
// target, an older server) carries its own message and fix; they read best beside their check.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { port } from '@app/shared/env';
import { findRepoRoot } from '@app/shared/env/node';
import type { Redis } from 'ioredis';
import { ensureServices } from '../lib/ensure-services.ts';
import { bold, die, dim, ok, step } from '../lib/output.ts';
import { probePostgres, probeRedis, where } from '../lib/services.ts';
import { readEnvText } from './env-file.ts';
import type { Options } from './options.ts';
import { clientMajor } from './pg-tools.ts';
import {
  adminUrl,
  connect,
  connectSource,
  databaseState,
  type SourceFacts,
  sourceFacts,
} from './postgres-inspect.ts';
import { formatBytes } from './progress.ts';
import { ask, stdinIsInteractive } from './prompt.ts';
import { openRedis, type RedisFacts, redisFacts } from './redis-copy.ts';
import { explainConnectionError, resolveSource, SourceError } from './source.ts';
import { composeUrls, databaseName, maskUrl, sameDatabase, sameRedis } from './urls.ts';

// Measured by `make bench-migrate` on a 2-core machine (docs/migration-from-impl2.md); the plan's
// estimate only needs to say "seconds" or "minutes".
const DATABASE_BYTES_PER_SECOND = 16e6;
const REDIS_KEYS_PER_SECOND = 6_500;

export type Timings = [string, number][];

/** Where .env is, the compose ports and the target: everything known before anything is asked. */
export function setup(options: Options) {
  const envFile = path.resolve(options.dotenv ?? path.join(findRepoRoot() ?? '.', '.env'));
  const envVars = existsSync(envFile) ? readEnvText(readFileSync(envFile, 'utf8')) : {};
  const ports = {
    postgres: port.catch(5432).parse(envVars.POSTGRES_PORT ?? 5432),
    redis: port.catch(6379).parse(envVars.REDIS_PORT ?? 6379),
  };
  const compose = composeUrls(ports);
  const viaCompose = !options.toDatabaseUrl && !options.toRedisUrl;
  const target = {
    databaseUrl: options.toDatabaseUrl ?? compose.databaseUrl,
    redisUrl: options.toRedisUrl ?? compose.redisUrl,
  };
  const timings: Timings = [];
  async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      timings.push([label, (Date.now() - started) / 1000]);
    }
  }
  return { options, envFile, envVars, ports, viaCompose, target, timings, timed };
}

export type Setup = ReturnType<typeof setup>;
export type Sourced = Awaited<ReturnType<typeof inspectSource>>;
export type Prepared = Awaited<ReturnType<typeof prepareTarget>>;
export type Inspected = Awaited<ReturnType<typeof inspectTarget>>;
/** Everything the copy steps need, and how to close the Redis connections on any way out. */
export type Migration = Sourced & Prepared & Inspected & { closeAll: () => Promise<void> };

/** 1. Find the source, check that it answers and that the local pg_dump can dump it. */
export async function inspectSource(m: Setup) {
  const { options, envFile, envVars, target } = m;
  let source: ReturnType<typeof resolveSource>;
  try {
    source = resolveSource({ ...options, envVars, envFile });
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    die(error.message, error.fix);
  }
  if (
    sameDatabase(source.databaseUrl, target.databaseUrl) ||
    sameRedis(source.redisUrl, target.redisUrl)
  ) {
    const backup = existsSync(`${envFile}.impl2.bak`)
      ? ` (a backup of the old one: ${envFile}.impl2.bak)`
      : '';
    die(
      `the source and the target are the same (${where(source.databaseUrl)}, ${where(source.redisUrl)}): ${envFile} already points at the new services${backup}`,
      'nothing to do; to copy again, pass --vm NAME or --from-database-url/--from-redis-url with the VM’s URLs',
    );
  }

  step(
    `source: ${maskUrl(source.databaseUrl)} and ${maskUrl(source.redisUrl)} ${dim(`(${source.origin})`)}`,
  );
  const sourceRedis = await openRedis(source.redisUrl, envVars.REDIS_CA_FILE).catch(
    (error: unknown) => {
      const { message, fix } = explainConnectionError('Redis', where(source.redisUrl), error);
      die(message, fix);
    },
  );
  const sourcePg = connectSource(source.databaseUrl);
  const pgFacts: SourceFacts = await sourceFacts(sourcePg)
    .catch((error: unknown) => {
      const { message, fix } = explainConnectionError('Postgres', where(source.databaseUrl), error);
      die(message, fix);
    })
    .finally(() => sourcePg.end({ timeout: 1 }));
  const sourceRedisFacts = await redisFacts(sourceRedis);
  ok(
    `source: PostgreSQL ${pgFacts.version}, ${databaseName(source.databaseUrl)} ${formatBytes(pgFacts.bytes)} in ${pgFacts.tables} tables (${rowsText(pgFacts.rowsEstimate)}); Redis ${sourceRedisFacts.version}, ${sourceRedisFacts.keys} keys`,
  );

  const localDump = clientMajor('pg_dump');
  const localRestore = clientMajor('pg_restore');
  if (localDump === undefined || localRestore === undefined) {
    die(
      'pg_dump/pg_restore are not installed on this machine',
      `install the PostgreSQL ${pgFacts.major} client: Debian/Ubuntu \`apt install postgresql-client-${pgFacts.major}\`, macOS \`brew install libpq\` (then put its bin on PATH)`,
    );
  }
  if (localDump < pgFacts.major || localRestore < pgFacts.major) {
    die(
      `the source runs PostgreSQL ${pgFacts.major} but the local pg_dump/pg_restore are ${localDump}/${localRestore}: an older pg_dump cannot dump a newer server`,
      `install postgresql-client-${pgFacts.major} (Debian/Ubuntu) or a current libpq (macOS), then run this again`,
    );
  }
  return { source, sourceRedis, pgFacts, sourceRedisFacts };
}

/** The target: the compose services (started and waited for), or the --to-* URLs. */
export async function prepareTarget(m: Setup) {
  const { options, ports, viaCompose, target } = m;
  let targetAnswers = true;
  if (viaCompose && !options.dryRun) {
    await ensureServices({
      DATABASE_URL: target.databaseUrl,
      DATABASE_POOL_MODE: 'session',
      REDIS_URL: target.redisUrl,
      POSTGRES_PORT: ports.postgres,
      REDIS_PORT: ports.redis,
      PORT: 3000,
      WORKER_HEALTH_PORT: 3001,
      SERVICES: 'auto',
    });
  } else {
    const [pg, redis] = await Promise.all([
      probePostgres(target.databaseUrl),
      probeRedis(target.redisUrl, m.envVars.REDIS_CA_FILE),
    ]);
    targetAnswers = pg.ok && redis.ok;
    if (!targetAnswers && !(viaCompose && options.dryRun)) {
      const which = !pg.ok
        ? `Postgres at ${where(target.databaseUrl)}`
        : `Redis at ${where(target.redisUrl)}`;
      die(
        `the target ${which} does not answer`,
        'check --to-database-url/--to-redis-url, or start the server',
      );
    }
    if (pg.ok && redis.ok) ok(`target: PostgreSQL ${pg.version} and Redis ${redis.version} answer`);
  }
  return { targetAnswers };
}

/** 2. What the target holds; refuse to overwrite someone's data. */
export async function inspectTarget(m: Setup & Sourced & Prepared) {
  const { options, target, sourceRedis, pgFacts, targetAnswers } = m;
  let targetPgMajor = 0;
  let targetRedis: Redis | undefined;
  let targetRedisFacts: RedisFacts | undefined;
  const notes: string[] = [];
  if (targetAnswers) {
    const admin = connect(adminUrl(target.databaseUrl));
    try {
      const [row] = await admin<
        { num: string }[]
      >`select current_setting('server_version_num') as num`;
      targetPgMajor = Math.floor(Number(row?.num ?? 0) / 10000);
      const state = await databaseState(admin, target.databaseUrl);
      if (state.exists && state.ours) {
        notes.push(
          `replaces ${databaseName(target.databaseUrl)}, a copy an earlier run of this tool made`,
        );
      } else if (state.exists && state.tables.length > 0) {
        const list = state.tables.slice(0, 8).join(', ') + (state.tables.length > 8 ? ', …' : '');
        if (!options.force) {
          die(
            `the target database ${databaseName(target.databaseUrl)} at ${where(target.databaseUrl)} already has ${state.tables.length} table(s): ${list}`,
            '--force copies anyway and keeps that database renamed to <name>_before_impl2_<timestamp>; or point --to-database-url at an empty database',
          );
        }
        notes.push(
          `--force: the existing ${databaseName(target.databaseUrl)} (${list}) is kept under a new name`,
        );
      }
    } finally {
      await admin.end({ timeout: 1 });
    }
    if (targetPgMajor < pgFacts.major) {
      die(
        `the source runs PostgreSQL ${pgFacts.major}, the target ${targetPgMajor}: a dump does not restore into an older major version`,
        `run the target on PostgreSQL ${pgFacts.major} (docker-compose.yml: image postgres:${pgFacts.major}-alpine), then run this again`,
      );
    }
    targetRedis = await openRedis(target.redisUrl, m.envVars.REDIS_CA_FILE);
    targetRedisFacts = await redisFacts(targetRedis);
    if (targetRedisFacts.keys > 0) {
      const foreign = await keysOnlyInTarget(targetRedis, sourceRedis);
      if (foreign.length > 0 && !options.force) {
        die(
          `the target Redis at ${where(target.redisUrl)} has keys the source does not (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''})`,
          '--force merges into them (keys with the same name are replaced); or point --to-redis-url at an empty Redis',
        );
      }
      notes.push(
        `the target Redis already has ${targetRedisFacts.keys} keys; same-named keys are replaced`,
      );
    }
    if (!targetRedisFacts.appendonly)
      notes.push('the target Redis runs without appendonly: a restart would lose the jobs');
  }
  return { targetRedis, targetRedisFacts, notes };
}

/** The plan: what will be copied where, the notes, the estimate. */
export function printPlan(m: Setup & Sourced & Prepared & Inspected) {
  const { envFile, viaCompose, target, source, pgFacts, sourceRedisFacts, targetAnswers, notes } =
    m;
  const seconds =
    pgFacts.bytes / DATABASE_BYTES_PER_SECOND + sourceRedisFacts.keys / REDIS_KEYS_PER_SECOND + 3;
  console.log(bold('\nPlan'));
  console.log(`  1. Postgres ${maskUrl(source.databaseUrl)}`);
  console.log(`       → ${maskUrl(target.databaseUrl)}${viaCompose ? ' (compose)' : ''}`);
  console.log(
    '     pg_dump -Fc in one read-only snapshot, pg_restore --no-owner --no-acl into a staging',
  );
  console.log(
    '     database, compare rows, content hashes, sequences, schema and migrations, then rename',
  );
  console.log(`  2. Redis ${maskUrl(source.redisUrl)} → ${maskUrl(target.redisUrl)}`);
  console.log(
    `     ${sourceRedisFacts.keys} keys with their TTLs (DUMP/RESTORE), then compare keys, types and BullMQ counts`,
  );
  console.log(
    existsSync(envFile)
      ? `  3. ${envFile}: backed up to .env.impl2.bak, DATABASE_URL and REDIS_URL set to the target`
      : `  3. no ${envFile}: nothing to rewrite`,
  );
  for (const note of notes) console.log(`  ${dim('note:')} ${note}`);
  if (!targetAnswers)
    console.log(`  ${dim('note:')} the compose services are not running; a real run starts them`);
  console.log(
    `  estimated time: ${seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.ceil(seconds / 60)} min`}`,
  );
  console.log(
    `  ${dim('The source is only read. Stop the Implementation-2 web and worker first, so nothing changes mid-copy.')}\n`,
  );
}

/** Exits after a dry run or a "no"; returns when the copy may go ahead. */
export async function confirm(m: Setup & Migration) {
  const { options, closeAll } = m;
  if (options.dryRun) {
    ok('dry run: nothing was copied or changed');
    await closeAll();
    process.exit(0);
  }
  if (!options.yes) {
    if (!stdinIsInteractive())
      die('not a terminal, so nobody can confirm the plan', 'pass --yes to run without asking');
    const answer = await ask('Copy now? [y/N] ');
    if (!/^y(es)?$/i.test(answer)) {
      await closeAll();
      die('cancelled: nothing was copied or changed');
    }
  }
}

/** Target keys the source lacks: someone's data, unlike keys an interrupted run already copied. */
async function keysOnlyInTarget(targetClient: Redis, sourceClient: Redis): Promise<string[]> {
  const foreign: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await targetClient.scan(cursor, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const exists = (await keys.reduce((p, k) => p.exists(k), sourceClient.pipeline()).exec()) ?? [];
    keys.forEach((key, i) => {
      if (exists[i]?.[1] === 0) foreign.push(key);
    });
  } while (cursor !== '0' && foreign.length < 100);
  return foreign;
}

function rowsText(estimate: number | undefined): string {
  return estimate === undefined ? 'rows unknown: tables never analyzed' : `~${estimate} rows`;
}
