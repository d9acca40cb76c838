import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, type NodeProcess, spawnNode } from '@app/db/testing/processes';
import { buildIfStale, withBuildLock } from '../../../apps/web/e2e/support/next-build.ts';

/**
 * Runs what the production images run, without Docker: the same build commands, the same files
 * copied into a directory outside the repository (so nothing resolves from the workspace's
 * node_modules or .env), and the same CMDs. Used by the smoke test and `make bench-start`.
 */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** `pnpm --filter @app/web build` and `pnpm --filter @app/worker build`, as the Dockerfiles do. */
export function buildImages(which: Array<'web' | 'worker'> = ['web', 'worker']): void {
  // Next 16 keeps `next dev` output in .next/dev, which a build leaves alone: `make up` may run.
  if (which.includes('web')) run('pnpm', ['--filter', '@app/web', 'build'], repoRoot);
  if (which.includes('worker')) run('pnpm', ['--filter', '@app/worker', 'build'], repoRoot);
}

export type Staged = { dir: string; remove: () => Promise<void> };

/** The web runner stage: standalone output at /app, plus .next/static and public beside it. */
export async function stageWeb(): Promise<Staged> {
  const dir = await mkdtemp(path.join(tmpdir(), 'web-image-'));
  const web = path.join(repoRoot, 'apps/web');
  await cp(path.join(web, '.next/standalone'), dir, { recursive: true, verbatimSymlinks: true });
  await cp(path.join(web, '.next/static'), path.join(dir, 'apps/web/.next/static'), {
    recursive: true,
  });
  await cp(path.join(web, 'public'), path.join(dir, 'apps/web/public'), { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * stageWeb() from a build shared with the other test files that need one (one `next build` per
 * run, reused while no source changed; see apps/web/e2e/support/next-build.ts).
 */
export function stageFreshWeb(): Promise<Staged> {
  const webDir = path.join(repoRoot, 'apps/web');
  return withBuildLock(webDir, async () => {
    buildIfStale(webDir);
    return stageWeb();
  });
}

/** The worker runner stage: only dist/. */
export async function stageWorker(): Promise<Staged> {
  const dir = await mkdtemp(path.join(tmpdir(), 'worker-image-'));
  await cp(path.join(repoRoot, 'apps/worker/dist'), path.join(dir, 'dist'), { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export type Started = NodeProcess;

/** Starts an image's CMD in `cwd` with only `env` (and PATH), as `docker run` would. */
export const startCommand = (cwd: string, args: string[], env: Record<string, string>): Started =>
  spawnNode(cwd, args, env);

/** Polls `url` until it answers 200; returns the body and the milliseconds it took. */
export async function waitFor200(
  started: Started,
  url: string,
  timeoutMs = 30_000,
): Promise<{ body: unknown; ms: number }> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (started.child.exitCode !== null) {
      throw new Error(`exited early (${started.child.exitCode}):\n${started.output()}`);
    }
    const response = await fetch(url).catch(() => undefined);
    if (response?.status === 200) {
      return { body: await response.json(), ms: Math.round(performance.now() - t0) };
    }
    await sleep(25);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${started.output()}`);
}

export { freePort };
