import { execFileSync, type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PollFailed, pollUntil } from '@app/shared/wait';

// The kit of `make test-docker` (scripts/docker/*.docker.test.ts): the real docker CLI, engine
// and compose, nothing re-implemented. ~390 lines: 26 small helpers every docker test uses, one
// import for a test author; the bigger pieces have files of their own beside it. Every name a test creates starts with `testPrefix` so a
// failed run's leftovers are easy to find (`docker ps -a --filter name=tdock-`).
// TEST_DOCKER_PREFIX changes it, for people sharing one engine who each need their own names.

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const testPrefix = process.env.TEST_DOCKER_PREFIX || 'tdock';

/** A container/network/project name of this run: `<prefix>-<part>-<random>`, lower case. */
export const uniqueName = (part: string) =>
  `${testPrefix}-${part}-${randomBytes(3).toString('hex')}`;

export type RunResult = { status: number; stdout: string; stderr: string; output: string };

/** Runs a command to completion, never throwing: tests assert on status and output. */
export function run(
  command: string,
  args: string[],
  options: SpawnSyncOptions & { timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 600_000,
    ...options,
  });
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  return {
    status: result.status ?? -1,
    stdout,
    stderr,
    output: `${stdout}${stderr}${result.error ? String(result.error) : ''}`,
  };
}

export const docker = (args: string[], options?: Parameters<typeof run>[2]) =>
  run('docker', args, options);

/** `docker …` that must succeed: throws with its output otherwise. */
export function dockerOk(args: string[], options?: Parameters<typeof run>[2]): string {
  const result = docker(args, options);
  if (result.status !== 0) {
    throw new Error(
      `docker ${args.join(' ')} exited ${result.status}:\n${result.output.slice(-4000)}`,
    );
  }
  return result.stdout.trim();
}

/** The commit the images are labelled with (the working tree's HEAD). */
export function headSha(): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
}

/** A container's health as Docker's own HEALTHCHECK sees it: starting, healthy, unhealthy, none. */
export function healthOf(container: string): string {
  const result = docker([
    'inspect',
    '-f',
    '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}',
    container,
  ]);
  return result.status === 0 ? result.stdout.trim() : 'missing';
}

/** Waits until every container reports healthy by `docker inspect`; throws with their logs if not. */
export async function waitHealthy(containers: string[], timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  let states: (readonly [string, string])[] = [];
  const report = () => {
    const logs = containers.map((c) => `--- ${c}\n${docker(['logs', '--tail', '40', c]).output}`);
    return `not healthy: ${states.map(([c, s]) => `${c}=${s}`).join(', ')}\n${logs.join('\n')}`;
  };
  await pollUntil(
    () => {
      states = containers.map((c) => [c, healthOf(c)] as const);
      if (states.some(([, s]) => s === 'unhealthy' || s === 'missing')) {
        throw new PollFailed(report());
      }
      return states.every(([, s]) => s === 'healthy');
    },
    { what: `${containers.join(', ')} healthy`, timeoutMs, intervalMs: 500, detail: report },
  );
  return Date.now() - started;
}

/** Runs a command in the background, keeping its output (for `make up`, long imports, …). */
export function background(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  let output = '';
  const child = spawn(command, args, {
    ...options,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    output: () => output,
    exited,
    /** Signals the whole process group, as Ctrl-C in a terminal would. */
    signal: (name: NodeJS.Signals) => {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, name);
    },
  };
}

/**
 * True when an image is a local stand-in rather than the upstream image: it carries the label
 * .ci/docker-offline gives its stand-ins, or it is built on a `docker import`ed root filesystem
 * (the history's bottom entry says "Imported from"), which no image from a registry is. The
 * second rule covers stand-ins made by other offline kits that set no label.
 */
export function isStandIn(image: string): boolean {
  const label = docker([
    'image',
    'inspect',
    '-f',
    '{{index .Config.Labels "template.stand-in"}}',
    image,
  ]);
  if (label.status !== 0) return false;
  if (label.stdout.trim() === 'true') return true;
  const history = docker(['history', '--no-trunc', '--format', '{{.Comment}}', image]);
  const bottom = history.stdout.trim().split('\n').at(-1) ?? '';
  return history.status === 0 && bottom.startsWith('Imported from');
}

/** True when the services' images here are stand-ins (no ryuk then: it cannot be pulled either). */
export function usingStandIns(): boolean {
  return isStandIn('postgres:15-alpine');
}

export type App = 'web' | 'worker';

/**
 * Builds an app's production image from its real, unmodified Dockerfile, as the deploy workflow
 * does (repository root as context, GIT_SHA passed). Docker's layer cache makes the second call
 * in a run take seconds, so each test file may call it.
 */
export function buildImage(
  app: App,
  options: { tag?: string; sha?: string; dockerfile?: string; context?: string } = {},
): string {
  const sha = options.sha ?? headSha();
  const tag = options.tag ?? `${testPrefix}/${app}:sha-${sha}`;
  const result = docker(
    [
      'build',
      '--progress=plain',
      '-f',
      options.dockerfile ?? path.join('apps', app, 'Dockerfile'),
      '--build-arg',
      `GIT_SHA=${sha}`,
      '-t',
      tag,
      options.context ?? '.',
    ],
    { cwd: options.context ? undefined : repoRoot, timeoutMs: 900_000 },
  );
  if (result.status !== 0) {
    const dockerfile = options.dockerfile ?? path.join('apps', app, 'Dockerfile');
    throw new Error(
      `docker build of ${app} failed: ${buildFailure(result.output, dockerfile)}\n--- end of the build output:\n${result.output.slice(-3000)}`,
    );
  }
  return tag;
}

/**
 * A throwaway clone of the committed HEAD, for tests that run `make` as a user would: what they
 * see is what was committed, never this working tree's .env, node_modules or build output.
 */
export function cloneHead(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `${label}-clone-`));
  for (const args of [
    ['clone', '--quiet', '--no-checkout', repoRoot, dir],
    ['-C', dir, 'checkout', '--quiet', '--detach', headSha()],
  ]) {
    const result = run('git', args);
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed:\n${result.output}`);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The environment a developer's shell would give `make` in a clone: the test runner's own
 * variables (NODE_ENV=test, VITEST_*, npm_*, this repo's bin folders on PATH) would leak into the
 * apps and pass for their configuration, so only the machine's basics and proxies are kept.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([key]) =>
      ['HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ'].includes(key) ||
      /^(https?_proxy|no_proxy|all_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR)|DOCKER_HOST|DOCKER_CONFIG)$/i.test(
        key,
      ),
  );
  const PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir && !dir.startsWith(repoRoot))
    .join(path.delimiter);
  return { ...Object.fromEntries(kept), PATH, ...extra };
}

/**
 * BuildKit's failure in one line: the Dockerfile line it stopped at and why, e.g.
 * `apps/worker/Dockerfile:40 COPY --from=build /repo/x ./dist: "/repo/x": not found`.
 */
export function buildFailure(output: string, dockerfile: string): string {
  const lines = output.split('\n');
  const error = lines.findLast((line) => line.startsWith('ERROR: '))?.slice('ERROR: '.length);
  const at = lines
    .findLast((line) => /^Dockerfile:\d+$/.test(line.trim()))
    ?.trim()
    .split(':')[1];
  const instruction = lines
    .findLast((line) => line.includes(' >>> '))
    ?.split(' >>> ')[1]
    ?.trim();
  // "failed to solve: failed to compute cache key: … "<path>": not found" → keep what names the cause.
  const cause = error?.match(/"[^"]+": not found$/)?.[0] ?? error ?? 'no ERROR line (see below)';
  return `${at ? `${dockerfile}:${at} ` : ''}${instruction ? `${instruction}: ` : ''}${cause}`;
}

/** What `docker stop` gave: its own status, the container's exit code, and how long it took. */
export function stopContainer(container: string, timeoutSeconds = 45) {
  const started = Date.now();
  const result = docker(['stop', '-t', String(timeoutSeconds), container]);
  return { status: result.status, exitCode: exitCodeOf(container), ms: Date.now() - started };
}

export function exitCodeOf(container: string): number {
  return Number(dockerOk(['inspect', '-f', '{{.State.ExitCode}}', container]));
}

/** The loopback port Docker picked for `-p 127.0.0.1::<port>`. */
export function publishedPort(container: string, containerPort: number): number {
  const line = dockerOk(['port', container, `${containerPort}/tcp`]).split('\n')[0] ?? '';
  const port = Number(line.slice(line.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(`${container} publishes no port for ${containerPort}: "${line}"`);
  }
  return port;
}

/** Removes containers (running or not) and the network of a test; never throws. */
export function removeAll(containers: string[], network?: string) {
  if (containers.length > 0) docker(['rm', '-f', '-v', ...containers]);
  if (network) docker(['network', 'rm', network]);
}

/** Runs SQL with psql inside a Postgres container; rows as lines, columns split by `|`. */
export function psql(container: string, sql: string, user = 'postgres', database = user): string {
  return dockerOk(['exec', container, 'psql', '-U', user, '-d', database, '-At', '-c', sql]);
}

/**
 * A postgres:15-alpine container with a password (as production runs it) on `network`, reachable
 * there as `alias`; resolves when its own health check (pg_isready over TCP) passes.
 */
export async function startPostgres(options: {
  name: string;
  network: string;
  alias: string;
  password: string;
  user?: string;
  database?: string;
}): Promise<string> {
  const user = options.user ?? 'app';
  const database = options.database ?? 'app';
  dockerOk([
    'run',
    '-d',
    '--name',
    options.name,
    '--network',
    options.network,
    '--network-alias',
    options.alias,
    '-e',
    `POSTGRES_USER=${user}`,
    '-e',
    `POSTGRES_PASSWORD=${options.password}`,
    '-e',
    `POSTGRES_DB=${database}`,
    '--health-cmd',
    `pg_isready -h 127.0.0.1 -U ${user} -d ${database}`,
    '--health-interval',
    '1s',
    '--health-retries',
    '60',
    'postgres:15-alpine',
  ]);
  await waitHealthy([options.name]);
  return `postgres://${user}:${options.password}@${options.alias}:5432/${database}`;
}

/** A redis:7-alpine container with a password and AOF, as docker-compose.prod.yml runs it. */
export async function startRedis(options: {
  name: string;
  network: string;
  alias: string;
  password: string;
}): Promise<string> {
  dockerOk([
    'run',
    '-d',
    '--name',
    options.name,
    '--network',
    options.network,
    '--network-alias',
    options.alias,
    '-e',
    `REDISCLI_AUTH=${options.password}`,
    '--health-cmd',
    'redis-cli ping',
    '--health-interval',
    '1s',
    '--health-retries',
    '60',
    'redis:7-alpine',
    'redis-server',
    '--requirepass',
    options.password,
    '--appendonly',
    'yes',
  ]);
  await waitHealthy([options.name]);
  return `redis://default:${options.password}@${options.alias}:6379`;
}

/** One Compose project of a test: its name, files and env file, and the CLI over them. */
export function composeProject(options: { name: string; files: string[]; envFile: string }) {
  const base = ['compose', '-p', options.name, '--env-file', options.envFile];
  for (const file of options.files) base.push('-f', file);
  const compose = (args: string[], runOptions?: Parameters<typeof run>[2]) =>
    docker([...base, ...args], { cwd: repoRoot, ...runOptions });
  return {
    ...options,
    compose,
    /** `docker compose …` that must succeed: throws with its output otherwise. */
    composeOk(args: string[]): string {
      const result = compose(args);
      if (result.status !== 0) {
        throw new Error(
          `docker compose ${args.join(' ')} exited ${result.status}:\n${result.output.slice(-4000)}`,
        );
      }
      return result.stdout.trim();
    },
    /** The project's containers (running or not) of one service, by name. */
    containers(service: string): string[] {
      return dockerOk([
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${options.name}`,
        '--filter',
        `label=com.docker.compose.service=${service}`,
        '--format',
        '{{.Names}}',
      ])
        .split('\n')
        .filter(Boolean)
        .sort();
    },
  };
}
