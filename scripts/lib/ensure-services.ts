import { pollUntil, WaitTimeout } from '@app/shared/wait';
import {
  type ComposeProject,
  composeProject,
  composeStreaming,
  dockerStatus,
  missingImages,
  portHolder,
  portsInConflict,
  pullFailureReason,
} from './docker.ts';
import type { ScriptsEnv } from './env.ts';
import { die, dieWith, ok, step } from './output.ts';
import { type ProbeResult, portInUse, probePostgres, probeRedis, where } from './services.ts';

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
    const project = composeProject();
    // Before compose: a port held by someone else is named here, instead of a half-started project.
    await dieOnForeignPorts(env, project, [env.POSTGRES_PORT, env.REDIS_PORT]);
    step('starting Postgres and Redis with docker compose (waits until healthy)');
    const result = await composeStreaming(['up', '-d', '--wait']);
    if (result.status !== 0) await explainComposeFailure(env, project, result.output);
    await expectReachable(env, 'compose started them');
    return 'compose';
  }

  const [pg, redis] = await Promise.all([
    probePostgres(env.DATABASE_URL),
    probeRedis(env.REDIS_URL, env.REDIS_CA_FILE),
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
    probeRedis(env.REDIS_URL, env.REDIS_CA_FILE),
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
  step(
    `SERVICES=existing: waiting for Postgres at ${where(env.DATABASE_URL)} and Redis at ${where(env.REDIS_URL)}`,
  );
  let last: Awaited<ReturnType<typeof probeBoth>> | undefined;
  try {
    const { pg, redis } = await pollUntil(
      async () => {
        last = await probeBoth(env);
        const { pg, redis } = last;
        return pg.ok && redis.ok ? { pg, redis } : undefined;
      },
      { what: 'Postgres and Redis', timeoutMs, intervalMs: 1000 },
    );
    ok(`Postgres ${pg.version} and Redis ${redis.version} are healthy (SERVICES=existing)`);
  } catch (error) {
    if (!(error instanceof WaitTimeout)) throw error;
    const fault = (probe?: ProbeResult) =>
      !probe ? 'no answer' : probe.ok ? undefined : probe.error;
    const pgFault = fault(last?.pg);
    const redisFault = fault(last?.redis);
    const missing = [
      pgFault && `Postgres at ${where(env.DATABASE_URL)} (${pgFault})`,
      redisFault && `Redis at ${where(env.REDIS_URL)} (${redisFault})`,
    ].filter(Boolean);
    die(
      `SERVICES=existing, but after ${timeoutMs / 1000} s nothing answers at ${missing.join(' and ')}`,
      'in the devcontainer: rebuild it (Dev Containers: Rebuild Container); elsewhere: start the servers or unset SERVICES',
    );
  }
}

async function probeBoth(env: ScriptsEnv) {
  const [pg, redis] = await Promise.all([
    probePostgres(env.DATABASE_URL),
    probeRedis(env.REDIS_URL, env.REDIS_CA_FILE),
  ]);
  return { pg, redis };
}

type Problem = { message: string; fix: string };

const existingFix =
  'or set SERVICES=existing in .env to use Postgres and Redis already running at DATABASE_URL and REDIS_URL';

/**
 * Why `docker compose up` failed, told from what is true afterwards (an image the engine still
 * does not have was not pulled) and from the daemon's words (a bind error names the port).
 */
async function explainComposeFailure(
  env: ScriptsEnv,
  project: ComposeProject | undefined,
  output: string,
): Promise<never> {
  const missing = project ? missingImages(project) : [];
  if (missing.length > 0) {
    const reason = pullFailureReason(output);
    dieWith(
      missing.map(({ service, image }) => ({
        message: `cannot pull image ${image} (service ${service}): ${reason}`,
        fix: `check the image name in docker-compose.yml (or an override file) and that the registry answers (\`docker pull ${image}\`); ${existingFix}`,
      })),
    );
  }
  const ports = portsInConflict(output);
  if (ports.length > 0) await dieOnForeignPorts(env, project, ports, true);
  die(
    'docker compose up failed (see its output above)',
    '`docker compose ps -a` and `docker compose logs` show what the services said; `make doctor` checks ports, Docker and .env',
  );
}

/** Exits naming each port among `ports` that something other than this compose project holds. */
async function dieOnForeignPorts(
  env: ScriptsEnv,
  project: ComposeProject | undefined,
  ports: number[],
  knownTaken = false,
) {
  const problems: Problem[] = [];
  for (const port of ports) {
    if (!knownTaken && !(await portInUse(port))) continue;
    const holder = portHolder(port, project?.name);
    if (holder.kind === 'ours') continue;
    problems.push(await portProblem(env, port, holder));
  }
  if (problems.length > 0) dieWith(problems);
}

async function portProblem(
  env: ScriptsEnv,
  port: number,
  holder: Exclude<ReturnType<typeof portHolder>, { kind: 'ours' }>,
): Promise<Problem> {
  const isRedis = port === env.REDIS_PORT && port !== env.POSTGRES_PORT;
  const [variable, url, service] = isRedis
    ? ['REDIS_PORT', 'REDIS_URL', 'Redis']
    : ['POSTGRES_PORT', 'DATABASE_URL', 'Postgres'];
  const by =
    holder.kind === 'container'
      ? `container ${holder.container} (not this compose project's)`
      : holder.process
        ? `${holder.process} on the host`
        : 'a process on the host';
  const free = await freePortAfter(port, [
    env.POSTGRES_PORT,
    env.REDIS_PORT,
    env.PORT,
    env.WORKER_HEALTH_PORT,
  ]);
  const other = free ? `${variable}=${free}` : `${variable} to a free port`;
  return {
    message: `port ${port} (${variable}) is taken by ${by}: compose cannot publish ${service} there`,
    fix: `set ${other} in .env and the port in ${url} to match, or set SERVICES=existing in .env to use the ${service} on port ${port} (${url} must point at it)`,
  };
}

/** A free port just above `port` to suggest, skipping the ones .env already uses. */
async function freePortAfter(port: number, taken: number[]): Promise<number | undefined> {
  for (let candidate = port + 1; candidate < port + 50 && candidate <= 65_535; candidate++) {
    if (taken.includes(candidate)) continue;
    if (!(await portInUse(candidate))) return candidate;
  }
  return undefined;
}
