import { spawnSync } from 'node:child_process';
import { dockerStatus } from './docker.ts';
import type { ScriptsEnv } from './env.ts';
import { die, ok, step } from './output.ts';
import { probePostgres, probeRedis, where } from './services.ts';

/**
 * Makes Postgres and Redis available: from docker compose when an engine answers, otherwise the
 * servers the URLs in .env point at (a devcontainer, a native install, CI). Exits with the fix when
 * neither is possible.
 */
export async function ensureServices(env: ScriptsEnv): Promise<'compose' | 'existing'> {
  if (env.SERVICES === 'existing') {
    await waitForExisting(env);
    return 'existing';
  }
  const docker = dockerStatus();
  if (docker.engine && docker.compose) {
    step('starting Postgres and Redis with docker compose (waits until healthy)');
    const result = spawnSync('docker', ['compose', 'up', '-d', '--wait'], { stdio: 'inherit' });
    if (result.status !== 0) {
      die(
        'docker compose up failed (see above)',
        'a port taken? set POSTGRES_PORT/REDIS_PORT in .env and the URLs to match; `make doctor` checks it',
      );
    }
    await expectReachable(env, 'compose started them');
    return 'compose';
  }

  const [pg, redis] = await Promise.all([
    probePostgres(env.DATABASE_URL),
    probeRedis(env.REDIS_URL),
  ]);
  if (pg.ok && redis.ok) {
    ok(
      `no Docker engine (${docker.detail}): using Postgres ${pg.version} at ${where(env.DATABASE_URL)} and Redis ${redis.version} at ${where(env.REDIS_URL)} from .env`,
    );
    return 'existing';
  }
  const missing = [
    pg.ok ? undefined : `Postgres at ${where(env.DATABASE_URL)} (${pg.error})`,
    redis.ok ? undefined : `Redis at ${where(env.REDIS_URL)} (${redis.error})`,
  ].filter(Boolean);
  die(
    `no Docker engine (${docker.detail}) and nothing answers at ${missing.join(' and ')}`,
    'install and start Docker (Docker Desktop, OrbStack, or docker-ce with the compose plugin), or point DATABASE_URL/REDIS_URL in .env at running servers',
  );
}

async function expectReachable(env: ScriptsEnv, context: string) {
  const [pg, redis] = await Promise.all([
    probePostgres(env.DATABASE_URL),
    probeRedis(env.REDIS_URL),
  ]);
  if (!pg.ok)
    die(
      `${context}, but Postgres at ${where(env.DATABASE_URL)} does not answer: ${pg.error}`,
      'check DATABASE_URL and POSTGRES_PORT in .env agree',
    );
  if (!redis.ok)
    die(
      `${context}, but Redis at ${where(env.REDIS_URL)} does not answer: ${redis.error}`,
      'check REDIS_URL and REDIS_PORT in .env agree',
    );
  ok(`Postgres ${pg.version} and Redis ${redis.version} are healthy`);
}

/**
 * SERVICES=existing (set by the devcontainer): the servers belong to someone else, so only wait
 * for them. Starting compose here would start a second Postgres and Redis fighting for the ports.
 * The wait covers a devcontainer that is still starting them.
 */
async function waitForExisting(env: ScriptsEnv, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  step(
    `SERVICES=existing: waiting for Postgres at ${where(env.DATABASE_URL)} and Redis at ${where(env.REDIS_URL)}`,
  );
  for (;;) {
    const [pg, redis] = await Promise.all([
      probePostgres(env.DATABASE_URL),
      probeRedis(env.REDIS_URL),
    ]);
    if (pg.ok && redis.ok) {
      ok(`Postgres ${pg.version} and Redis ${redis.version} are healthy (SERVICES=existing)`);
      return;
    }
    if (Date.now() > deadline) {
      const missing = [
        pg.ok ? undefined : `Postgres at ${where(env.DATABASE_URL)} (${pg.error})`,
        redis.ok ? undefined : `Redis at ${where(env.REDIS_URL)} (${redis.error})`,
      ].filter(Boolean);
      die(
        `SERVICES=existing, but after ${timeoutMs / 1000} s nothing answers at ${missing.join(' and ')}`,
        'in the devcontainer: rebuild it (Dev Containers: Rebuild Container); elsewhere: start the servers or unset SERVICES',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
