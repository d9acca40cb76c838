import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@app/db/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portInUse } from '../lib/services.ts';
import { background, cloneHead, docker, dockerOk, run, userEnv } from './testing/docker.ts';

/**
 * docker-compose.yml through the make targets a developer types, in a clone of the committed HEAD
 * on free ports: `make up` (compose path, healthy, Ctrl-C), `make down` keeping the data, a
 * second `make up` finding it, `make clean` asking before removing the volumes, and the two
 * failures `make up` must explain (a port someone else holds, an image that cannot be pulled).
 *
 * The compose project is named by COMPOSE_PROJECT_NAME in the clone's .env (and the environment),
 * which Compose ranks above the file's `name: app`; beforeAll checks Compose agrees before any
 * `up`, so a developer's own `app` project is never touched.
 */

const label = 'dcmp';
const project = `${label}-${randomBytes(3).toString('hex')}`;
const volumes = [`${project}_postgres-data`, `${project}_redis-data`];

let clone: ReturnType<typeof cloneHead>;
let ports: { postgres: number; redis: number; web: number; worker: number };
let env: NodeJS.ProcessEnv;
const figures: string[] = [];

beforeAll(async () => {
  clone = cloneHead(label);
  ports = {
    postgres: await freePort(),
    redis: await freePort(),
    web: await freePort(),
    worker: await freePort(),
  };
  const values: Record<string, string> = {
    DATABASE_URL: `postgres://postgres:postgres@localhost:${ports.postgres}/app`,
    REDIS_URL: `redis://localhost:${ports.redis}`,
    POSTGRES_PORT: String(ports.postgres),
    REDIS_PORT: String(ports.redis),
    PORT: String(ports.web),
    WORKER_HEALTH_PORT: String(ports.worker),
    WORKER_HEALTH_URL: `http://127.0.0.1:${ports.worker}`,
  };
  let dotenv = readFileSync(path.join(clone.dir, '.env.example'), 'utf8');
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^${key}=.*$`, 'm');
    expect(dotenv, `.env.example sets ${key}`).toMatch(line);
    dotenv = dotenv.replace(line, `${key}=${value}`);
  }
  writeFileSync(path.join(clone.dir, '.env'), `${dotenv}\nCOMPOSE_PROJECT_NAME=${project}\n`);
  env = userEnv({ COMPOSE_PROJECT_NAME: project });

  const config = JSON.parse(compose(['config', '--format', 'json'])) as { name: string };
  expect(config.name).toBe(project);
}, 120_000);

afterAll(() => {
  if (!clone) return;
  // A failed test may leave `make up`'s apps running: stop what this file started in its clone.
  for (const line of processesInClone()) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch {}
  }
  docker(['rm', '-f', holderName], { timeoutMs: 60_000 });
  docker(['compose', 'down', '-v', '--remove-orphans'], {
    cwd: clone.dir,
    env,
    timeoutMs: 120_000,
  });
  for (const figure of figures) console.log(`figure: ${figure}`);
  clone.remove();
});

const compose = (args: string[]) =>
  dockerOk(['compose', ...args], { cwd: clone.dir, env, timeoutMs: 120_000 });

const make = (target: string, input?: string) =>
  run('make', ['--no-print-directory', target], {
    cwd: clone.dir,
    env,
    input,
    timeoutMs: 600_000,
  });

const projectContainers = () =>
  dockerOk([
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Names}}',
  ])
    .split('\n')
    .filter(Boolean);

const projectVolumes = () =>
  dockerOk([
    'volume',
    'ls',
    '--filter',
    `label=com.docker.compose.project=${project}`,
    '--format',
    '{{.Name}}',
  ])
    .split('\n')
    .filter(Boolean)
    .sort();

/** Processes whose working directory is inside the clone: what Ctrl-C must not leave behind. */
function processesInClone(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === clone.dir || cwd.startsWith(`${clone.dir}/`)) {
        found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
      }
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}

const ok = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(5000) }).then(
    (response) => response.status === 200,
    () => false,
  );

/**
 * `make up` in the background until web and worker answer 200, as its own announcement says;
 * returns the running process and how long it took (a figure for the notes, not an assertion).
 */
async function makeUp() {
  // A web or worker still running from before would answer for this one.
  expect(await portInUse(ports.web), `port ${ports.web} free before make up`).toBe(false);
  expect(await portInUse(ports.worker), `port ${ports.worker} free before make up`).toBe(false);
  const started = Date.now();
  const up = background('make', ['--no-print-directory', 'up'], { cwd: clone.dir, env });
  const health = `http://127.0.0.1:${ports.web}/api/health`;
  const readyz = `http://127.0.0.1:${ports.worker}/readyz`;
  let services: number | undefined;
  for (;;) {
    if (services === undefined && /are healthy/.test(up.output())) services = Date.now();
    if (up.child.exitCode !== null) {
      throw new Error(`make up exited ${up.child.exitCode}:\n${up.output().slice(-6000)}`);
    }
    if (/✓ ready in/.test(up.output()) && (await ok(health)) && (await ok(readyz))) break;
    if (Date.now() - started > 400_000) {
      up.signal('SIGINT');
      throw new Error(`make up not healthy:\n${up.output().slice(-6000)}`);
    }
    await sleep(500);
  }
  const servicesSeconds = ((services ?? Date.now()) - started) / 1000;
  return { up, seconds: (Date.now() - started) / 1000, servicesSeconds };
}

/** Ctrl-C in the terminal: SIGINT to the whole foreground process group. */
async function ctrlC(up: ReturnType<typeof background>) {
  up.signal('SIGINT');
  await up.exited;
  // The apps' process groups get SIGTERM and up to 15 s; wait for them rather than guess.
  for (let i = 0; i < 60 && processesInClone().length > 0; i++) await sleep(500);
}

const apiBase = () => `http://127.0.0.1:${ports.web}`;
const messagePrefix = `${project}-example`;

describe('make up / down / clean with docker-compose.yml', () => {
  it('make up takes the compose path, turns healthy, and Ctrl-C stops web and worker', async () => {
    const { up, seconds, servicesSeconds } = await makeUp();
    figures.push(
      `first make up (fresh clone: setup, new volumes): services healthy after ${servicesSeconds.toFixed(1)} s, web and worker after ${seconds.toFixed(1)} s`,
    );
    try {
      expect(up.output()).toContain('starting Postgres and Redis with docker compose');
      expect(up.output()).toMatch(/Postgres .+ and Redis \S+ are healthy/);
      for (const service of ['postgres', 'redis']) {
        const id = compose(['ps', '-q', service]);
        expect(dockerOk(['inspect', '-f', '{{.State.Health.Status}}', id])).toBe('healthy');
      }
      await writeData();
    } finally {
      await ctrlC(up);
    }
    expect(up.output()).toContain('stopping web and worker');
    expect(processesInClone()).toEqual([]);
    expect(await portInUse(ports.web)).toBe(false);
    expect(await portInUse(ports.worker)).toBe(false);
    // Ctrl-C stops the apps only; the services keep running for the next `make up`.
    expect(projectContainers()).toHaveLength(2);
  });

  it('make services finds its own running containers on the ports and goes on', () => {
    const result = make('services');
    expect(result.output).not.toContain('is taken by');
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/Postgres .+ and Redis \S+ are healthy/);
  });

  it('make down removes the containers and keeps the volumes; a second make up finds the data', async () => {
    const down = make('down');
    expect(down.status).toBe(0);
    expect(projectContainers()).toEqual([]);
    expect(projectVolumes()).toEqual(volumes);

    const { up, seconds, servicesSeconds } = await makeUp();
    figures.push(
      `second make up (deps installed, volumes kept): services healthy after ${servicesSeconds.toFixed(1)} s, web and worker after ${seconds.toFixed(1)} s`,
    );
    try {
      expect(up.output()).toContain('starting Postgres and Redis with docker compose');
      expect(up.output()).toMatch(/0 migration\(s\) applied/);
      expect(await examples()).toHaveLength(1);
      expect(compose(['exec', '-T', 'redis', 'redis-cli', 'get', `${project}:marker`])).toBe(
        'kept',
      );
    } finally {
      await ctrlC(up);
    }
  });

  it('make clean keeps the volumes on "n" and removes them on "y"', () => {
    const no = make('clean', 'n\n');
    expect(no.status).toBe(0);
    expect(no.output).toContain('volumes kept');
    expect(projectVolumes()).toEqual(volumes);

    const yes = make('clean', 'y\n');
    expect(yes.status).toBe(0);
    expect(projectVolumes()).toEqual([]);
    expect(projectContainers()).toEqual([]);
  });
});

const holderName = `${project}-holder`;

describe('make up explains why compose cannot start', () => {
  it('names a host process holding POSTGRES_PORT, with both fixes, before compose starts anything', async () => {
    const listener: Server = createServer();
    await new Promise<void>((resolve) => listener.listen(ports.postgres, '127.0.0.1', resolve));
    try {
      const result = make('up');
      expect(result.status).not.toBe(0);
      expect(result.output).toContain(
        `✗ port ${ports.postgres} (POSTGRES_PORT) is taken by node (pid ${process.pid}) on the host: compose cannot publish Postgres there`,
      );
      expect(result.output).toMatch(
        /set POSTGRES_PORT=\d+ in \.env and the port in DATABASE_URL to match/,
      );
      expect(result.output).toContain(
        `set SERVICES=existing in .env to use the Postgres on port ${ports.postgres}`,
      );
      expect(result.output).not.toContain('a port taken?');
      expect(result.output).not.toMatch(/^\s+at /m);
      expect(projectContainers()).toEqual([]);
      console.log(`diagnostic (host process):\n${diagnostic(result.output)}`);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('names another container holding REDIS_PORT', () => {
    dockerOk([
      'run',
      '-d',
      '--name',
      holderName,
      '-p',
      `127.0.0.1:${ports.redis}:6379`,
      'redis:7-alpine',
    ]);
    try {
      const result = make('up');
      expect(result.status).not.toBe(0);
      expect(result.output).toContain(
        `✗ port ${ports.redis} (REDIS_PORT) is taken by container ${holderName} (not this compose project's): compose cannot publish Redis there`,
      );
      expect(result.output).toContain(
        `set SERVICES=existing in .env to use the Redis on port ${ports.redis}`,
      );
      expect(result.output).not.toMatch(/^\s+at /m);
      console.log(`diagnostic (container):\n${diagnostic(result.output)}`);
    } finally {
      docker(['rm', '-f', holderName]);
    }
  });

  it('names an image that cannot be pulled and offers SERVICES=existing', async () => {
    // An override file (Compose merges docker-compose.override.yml on its own, as for any user)
    // naming an image in a registry on a loopback port where nothing listens: the pull fails
    // exactly as for an unreachable registry, with no traffic leaving the machine.
    const image = `127.0.0.1:${await freePort()}/${label}/postgres:missing`;
    const override = path.join(clone.dir, 'docker-compose.override.yml');
    writeFileSync(override, `services:\n  postgres:\n    image: ${image}\n`);
    try {
      const result = make('up');
      expect(result.status).not.toBe(0);
      expect(result.output).toContain(
        `✗ cannot pull image ${image} (service postgres): its registry cannot be reached`,
      );
      expect(result.output).toContain('SERVICES=existing');
      expect(result.output).not.toContain('a port taken?');
      expect(result.output).not.toMatch(/^\s+at /m);
      console.log(`diagnostic (image):\n${diagnostic(result.output)}`);
    } finally {
      rmSync(override, { force: true });
      docker(['compose', 'down', '-v'], { cwd: clone.dir, env });
    }
  });
});

/** The lines `make up` printed from its ✗ on: what the developer reads. */
function diagnostic(output: string): string {
  const lines = output.split('\n');
  const first = lines.findIndex((line) => line.startsWith('✗'));
  return lines
    .slice(first)
    .filter((line) => !line.startsWith('make'))
    .join('\n');
}

/** A row in Postgres the way the app writes it (web queues it, the worker processes it), a key in Redis. */
async function writeData() {
  const created = await fetch(`${apiBase()}/api/examples`, {
    method: 'POST',
    body: JSON.stringify({ message: `${messagePrefix} kept` }),
    headers: { origin: apiBase(), 'content-type': 'application/json' },
  });
  expect(created.status).toBe(202);
  let processed = false;
  for (let i = 0; i < 120 && !processed; i++) {
    await sleep(500);
    processed = (await examples()).some((row) => row.processedAt !== null);
  }
  expect(processed).toBe(true);
  expect(await examples()).toHaveLength(1);
  compose(['exec', '-T', 'redis', 'redis-cli', 'set', `${project}:marker`, 'kept']);
}

/** This test's rows of the skeleton's examples table, through the API. */
async function examples(): Promise<{ message: string; processedAt: string | null }[]> {
  const response = await fetch(`${apiBase()}/api/examples`);
  const body = (await response.json()) as {
    examples: { message: string; processedAt: string | null }[];
  };
  return body.examples.filter((row) => row.message.startsWith(messagePrefix));
}
