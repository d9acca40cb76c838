// The steps of `make migrate-from-impl2` that write: Postgres, Redis, .env (last), the summary.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bold, die, ok, step, warn } from '../lib/output.ts';
import { rewriteEnvFile } from './env-file.ts';
import { vmByAddress } from './multipass.ts';
import { PgToolError } from './pg-tools.ts';
import type { Migration, Setup } from './plan.ts';
import { copyPostgres, VerificationError } from './postgres-copy.ts';
import { ask } from './prompt.ts';
import {
  census,
  compareQueueCounts,
  compareRedis,
  copyRedis,
  discoverQueues,
  openRedis,
  queueCounts,
} from './redis-copy.ts';
import { databaseName, hostOf } from './urls.ts';

export type Copied = Awaited<ReturnType<typeof copyPostgresStep>> &
  Awaited<ReturnType<typeof copyRedisStep>>;

/** 3. Postgres: dump, restore into staging, verify, rename. */
export async function copyPostgresStep(m: Setup & Migration) {
  const { options, target, source, timings, closeAll } = m;
  step('copying Postgres');
  const pgResult = await copyPostgres({
    sourceUrl: source.databaseUrl,
    targetUrl: target.databaseUrl,
    jobs: options.jobs,
    force: options.force,
  }).catch(async (error: unknown) => {
    await closeAll();
    if (error instanceof VerificationError) {
      die(
        `Postgres verification failed: ${error.problems.slice(0, 5).join('; ')}`,
        'nothing was renamed and the source is untouched. If the VM’s apps are still running, stop them and run this again',
      );
    }
    if (error instanceof PgToolError)
      die(error.message, 'the source is untouched; fix the cause above and run this again');
    throw error;
  });
  timings.push(
    ['Postgres dump (+ source hashes)', pgResult.timings.dump],
    ['Postgres restore', pgResult.timings.restore],
    ['Postgres verify', pgResult.timings.verify],
  );
  ok(
    `Postgres verified: ${pgResult.tables} tables, ${pgResult.rows} rows (counts and content hashes equal), ${pgResult.sequences} sequences, ${pgResult.migrations} Drizzle migrations, identical schema`,
  );
  if (pgResult.keptAs)
    warn(`your previous ${databaseName(target.databaseUrl)} is kept as ${pgResult.keptAs}`);
  return { pgResult };
}

/** 4. Redis: copy every key with its TTL, then compare keys, values and BullMQ counts. */
export async function copyRedisStep(m: Setup & Migration) {
  const { target, sourceRedis, sourceRedisFacts, targetRedis, targetRedisFacts, closeAll, timed } =
    m;
  step('copying Redis');
  const redisTarget = targetRedis ?? (await openRedis(target.redisUrl, m.envVars.REDIS_CA_FILE));
  const copied = await timed('Redis copy', () =>
    copyRedis(sourceRedis, redisTarget, sourceRedisFacts.keys),
  ).catch(async (error: unknown) => {
    await closeAll();
    const text = (error as Error).message;
    const fix = /payload version|checksum/i.test(text)
      ? `the target Redis (${targetRedisFacts?.version}) is older than the source (${sourceRedisFacts.version}); run Redis ≥ ${sourceRedisFacts.version} as the target`
      : 'the source is untouched; run this again (keys are restored with REPLACE, so a rerun is safe)';
    die(`copying Redis failed: ${text}`, fix);
  });
  const redisCheck = await timed('Redis verify', async () => {
    const sourceCensus = await census(sourceRedis);
    const comparison = await compareRedis(sourceRedis, redisTarget, sourceCensus);
    const queues = discoverQueues(sourceCensus.keys.keys());
    const [before, after] = await Promise.all([
      queueCounts(sourceRedis, queues),
      queueCounts(redisTarget, queues),
    ]);
    return {
      comparison,
      queues: before,
      problems: [...comparison.problems, ...compareQueueCounts(before, after)],
    };
  });
  if (redisCheck.problems.length > 0) {
    await closeAll();
    die(
      `Redis verification failed: ${redisCheck.problems.slice(0, 5).join('; ')}`,
      '.env is unchanged and the source untouched. Stop the Implementation-2 worker (it changes the queues) and run this again',
    );
  }
  const typeList = Object.entries(redisCheck.comparison.types)
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  ok(
    `Redis verified: ${copied.copied} keys (${typeList || 'none'}), ${redisCheck.comparison.ttlChecked} TTLs within 1 s, every value equal`,
  );
  for (const { queue, counts } of redisCheck.queues) {
    const shown = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([state, n]) => `${state} ${n}`)
      .join(', ');
    console.log(`  queue ${queue}: ${shown || 'empty'} (same on both sides)`);
  }
  return { copied, redisCheck };
}

/** 5. .env, last: until here a rerun still finds the source in it. */
export async function rewriteEnv(m: Setup & Migration) {
  const { envFile, target, closeAll } = m;
  let backup: string | undefined;
  if (existsSync(envFile)) {
    const result = rewriteEnvFile(envFile, {
      DATABASE_URL: target.databaseUrl,
      REDIS_URL: target.redisUrl,
    });
    if (result.changed) {
      backup = result.backup;
      ok(
        `${envFile}: DATABASE_URL and REDIS_URL now point at the target; the old file is ${backup}`,
      );
    }
  } else {
    warn(
      `${envFile} does not exist: nothing to rewrite`,
      'run `make env`, it already has the compose URLs',
    );
  }
  await closeAll();
  return { backup };
}

/** 6. Summary, then --remove-vm. */
export async function summarise(m: Setup & Migration & Copied & { backup: string | undefined }) {
  const { options, source, timings, pgResult, redisCheck, backup } = m;
  console.log(bold('\nSummary'));
  for (const [label, s] of timings) console.log(`  ${label.padEnd(32)} ${s.toFixed(1)} s`);
  console.log(
    `  compared: row counts and content hashes of ${pgResult.tables} tables, ${pgResult.sequences} sequences, schema-only dumps, drizzle.__drizzle_migrations; Redis keys per type, TTLs, BullMQ counts of ${redisCheck.queues.length} queue(s)`,
  );
  if (backup) console.log(`  .env backup: ${backup}`);
  const vm = source.vm ?? vmByAddress(hostOf(source.databaseUrl));
  const name = vm ?? '<vm-name>';
  console.log(
    `  next: \`make up\`, check your data, then retire the VM: \`multipass stop ${name}\` and \`multipass delete --purge ${name}\``,
  );

  if (options.removeVm) {
    if (!vm)
      die(
        '--remove-vm: cannot tell which Multipass VM this was',
        'pass --vm NAME, or delete it yourself',
      );
    const answer = await ask(
      `Delete the VM ${vm} and everything on it for good? Type its name to confirm: `,
    );
    if (answer !== vm) {
      warn(`kept the VM ${vm}`);
    } else {
      for (const args of [
        ['stop', vm],
        ['delete', '--purge', vm],
      ]) {
        const result = spawnSync('multipass', args, { stdio: 'inherit' });
        if (result.status !== 0)
          die(`multipass ${args.join(' ')} failed`, 'run it yourself once the cause is fixed');
      }
      ok(`deleted the VM ${vm}`);
    }
  }
}
