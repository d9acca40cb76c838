// `make check-rollback`: the previous release (previous-release.ts says which) built from a git
// worktree, run on a fresh database migrated with THIS commit's migrations, smoke-tested over HTTP.
// Fails when the old code cannot live on the new schema, with the line that names what broke.
// Decision 0081; docs/deploy.md "Migrations that a rollback survives".

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runMigrations } from '@app/db/migrate';
import { Redis } from 'ioredis';
import { scratchDatabase } from '../../bench/lib.ts';
import { commandArgs } from '../../lib/args.ts';
import { loadScriptsEnv } from '../../lib/env.ts';
import { fail, ok, step } from '../../lib/output.ts';
import { unlinkMatching } from '../../lib/redis.ts';
import { whatBroke } from './explain.ts';
import { git, previousRelease } from './previous-release.ts';
import { type App, smoke } from './smoke.ts';

const { values: args } = commandArgs({
  usage: 'make check-rollback [ARGS="--base <commit> --force --keep"]',
  summary:
    "Run the previous release's web and worker on this commit's migrations and smoke-test them.",
  options: {
    base: {
      type: 'string',
      description: 'the previous release (default: ROLLBACK_BASE, else the rule in docs/deploy.md)',
      placeholder: 'COMMIT',
    },
    force: { type: 'boolean', description: 'run even when db/migrations did not change' },
    keep: { type: 'boolean', description: 'keep the worktree (the next run reuses its build)' },
  },
});

const root = git(process.cwd(), ['rev-parse', '--show-toplevel']).out || process.cwd();
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

function services(): { databaseUrl: string; redisUrl: string } {
  // CI and tests give the servers as TEST_*; a developer's come from .env.
  const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;
  if (TEST_DATABASE_URL && TEST_REDIS_URL)
    return { databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL };
  const env = loadScriptsEnv('check-rollback');
  return { databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL };
}

function run(cwd: string, command: string, argv: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, argv, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${command} ${argv.join(' ')} failed in ${cwd}:\n${tail}`);
  }
}

type Helper = {
  startProductionApp: (
    services: { databaseUrl: string; redisUrl: string; prefix: string },
    options?: { webEnv?: Record<string, string> },
  ) => Promise<App>;
};

async function main(): Promise<void> {
  const base = args.base ?? process.env.ROLLBACK_BASE;
  let previous: ReturnType<typeof previousRelease>;
  try {
    previous = previousRelease(root, base || undefined);
  } catch (error) {
    fail(`rollback check: ${(error as Error).message}`);
    process.exit(1);
  }
  const short = previous.sha.slice(0, 7);
  step(`previous release ${short} (${previous.rule})`);
  if (!previous.migrationsChanged && !args.force) {
    ok(`rollback check: db/migrations are the same in ${short} and HEAD, nothing to check`);
    return;
  }

  // A kept worktree has a stable name, so the next --keep run reuses its install and builds.
  const dir = path.join(tmpdir(), `rollback-check-${short}${args.keep ? '' : `-${process.pid}`}`);
  const { databaseUrl, redisUrl } = services();
  const name = `rollback_${short}_${process.pid}`;
  const prefix = `rollback-${short}-${process.pid}`;
  let app: App | undefined;
  let database: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
  let failure: string | undefined;
  try {
    if (!existsSync(path.join(dir, 'package.json'))) {
      git(root, ['worktree', 'prune']);
      await rm(dir, { recursive: true, force: true });
      step(`git worktree of ${short} in ${dir}`);
      const added = git(root, ['worktree', 'add', '--detach', dir, previous.sha]);
      if (!added.ok) throw new Error(`git worktree add failed: ${added.err}`);
    }
    step(`pnpm install (offline first) in the worktree [${seconds()}]`);
    // HUSKY=0: the worktree shares .git with this checkout; its install must not touch the hooks.
    run(dir, 'pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { HUSKY: '0' });

    database = await scratchDatabase(databaseUrl, name);
    const applied = await runMigrations(database.url, path.join(root, 'db/migrations'));
    step(
      `${applied.applied} migrations of HEAD applied to a fresh database ${name} [${seconds()}]`,
    );

    const helperFile = path.join(dir, 'apps/web/e2e/support/production-app.ts');
    if (!existsSync(helperFile))
      throw new Error(`${short} has no apps/web/e2e/support/production-app.ts to start it with`);
    const helper = (await import(pathToFileURL(helperFile).href)) as Helper;
    step(`building and starting ${short}'s worker and production web server [${seconds()}]`);
    app = await helper.startProductionApp(
      { databaseUrl: database.url, redisUrl, prefix },
      { webEnv: { IMPORT_RATE_LIMIT: '1000/minute' } },
    );
    step(`${short} answers at ${app.url} [${seconds()}]`);
    for (const done of await smoke(app)) step(`  ✓ ${done.name} (${done.ms} ms)`);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    const broke = whatBroke(`${(error as Error).message}\n${app?.output() ?? ''}`);
    failure = broke ? `${message} — what broke: ${broke}` : message;
  } finally {
    await app?.stop().catch(() => {});
    await database?.drop().catch(() => {});
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis
      .connect()
      .then(() => unlinkMatching(redis, `${prefix}*`))
      .catch(() => {});
    redis.disconnect();
    if (!args.keep) {
      git(root, ['worktree', 'remove', '--force', dir]);
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (failure) {
    fail(
      `rollback check: previous release ${short} fails on this commit's schema: ${failure}`,
      'make the migration backwards compatible (expand/contract, docs/deploy.md), or deploy the break with rollback off',
    );
    process.exit(1);
  }
  ok(`rollback check: previous release ${short} runs on this commit's schema (${seconds()})`);
}

await main();
