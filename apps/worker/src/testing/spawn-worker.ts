import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { poolEnv } from '@app/db/testing';
import {
  freePort,
  isTestFile,
  type NodeProcess,
  newestMtime,
  spawnNode,
  withLock,
} from '@app/db/testing/processes';
import { answersOk, PollFailed, pollUntil } from '@app/shared/wait';

const workerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type SpawnedWorker = NodeProcess & { port: number };

/**
 * Starts the real worker entry point (src/main.ts through tsx) as a child process with exactly the
 * given environment, so tests can SIGTERM or SIGKILL it like Docker would. In a run through
 * PgBouncer it also gets DATABASE_POOL_MODE and DATABASE_DIRECT_URL (poolEnv), unless `env` sets
 * the pool mode itself.
 */
export async function spawnWorker(env: Record<string, string>): Promise<SpawnedWorker> {
  const port = Number(env.WORKER_HEALTH_PORT ?? (await freePort()));
  const started = spawnNode(workerRoot, ['--import', 'tsx', 'src/main.ts'], {
    NODE_ENV: 'test',
    LOG_FORMAT: 'json',
    WORKER_HEALTH_PORT: String(port),
    ...(env.DATABASE_POOL_MODE ? {} : await poolEnv()),
    ...env,
  });
  return { ...started, port };
}

/**
 * The production worker: the esbuild bundle `dist/main.js` the image runs (built first when a
 * source is newer than it), with NODE_ENV=production and exactly the given environment.
 */
export async function spawnWorkerBundle(env: Record<string, string>): Promise<SpawnedWorker> {
  await buildWorkerBundle();
  const port = Number(env.WORKER_HEALTH_PORT ?? (await freePort()));
  const started = spawnNode(workerRoot, ['dist/main.js'], {
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    WORKER_HEALTH_PORT: String(port),
    ...env,
  });
  return { ...started, port };
}

/** `pnpm build` (build.mjs) unless dist/main.js is newer than every source it bundles. */
export function buildWorkerBundle(): Promise<void> {
  return withLock(`worker-bundle:${workerRoot}`, async () => {
    const bundle = path.join(workerRoot, 'dist/main.js');
    const root = path.resolve(workerRoot, '../..');
    const sources = [
      path.join(workerRoot, 'src'),
      path.join(workerRoot, 'build.mjs'),
      path.join(root, 'db/src'),
      path.join(root, 'apps/shared/src'),
      path.join(root, 'db/migrations'),
      path.join(root, 'pnpm-lock.yaml'),
    ];
    if (
      existsSync(bundle) &&
      statSync(bundle).mtimeMs > Math.max(...sources.map((s) => newestMtime(s, isTestFile)))
    ) {
      return;
    }
    const result = spawnSync(process.execPath, ['build.mjs'], {
      cwd: workerRoot,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`worker build failed:\n${result.stdout}\n${result.stderr}`);
    }
  });
}

/** Polls the worker's /readyz until it answers 200. */
export async function waitUntilReady(worker: SpawnedWorker, timeoutMs = 30_000): Promise<void> {
  await pollUntil(
    (signal) => {
      if (worker.child.exitCode !== null) {
        throw new PollFailed(`worker exited early (${worker.child.exitCode}):\n${worker.output()}`);
      }
      return answersOk(`http://127.0.0.1:${worker.port}/readyz`, signal);
    },
    { what: 'worker /readyz', timeoutMs, intervalMs: 100, detail: () => worker.output() },
  );
}

export { freePort };
