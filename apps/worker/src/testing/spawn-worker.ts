import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type NodeProcess, spawnNode } from '@app/db/testing/processes';

const workerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type SpawnedWorker = NodeProcess & { port: number };

/**
 * Starts the real worker entry point (src/main.ts through tsx) as a child process with exactly the
 * given environment, so tests can SIGTERM or SIGKILL it like Docker would.
 */
export async function spawnWorker(env: Record<string, string>): Promise<SpawnedWorker> {
  const port = Number(env.WORKER_HEALTH_PORT ?? (await freePort()));
  const started = spawnNode(workerRoot, ['--import', 'tsx', 'src/main.ts'], {
    NODE_ENV: 'test',
    LOG_FORMAT: 'json',
    WORKER_HEALTH_PORT: String(port),
    ...env,
  });
  return { ...started, port };
}

/** Polls the worker's /readyz until it answers 200. */
export async function waitUntilReady(worker: SpawnedWorker, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker.child.exitCode !== null) {
      throw new Error(`worker exited early (${worker.child.exitCode}):\n${worker.output()}`);
    }
    const ok = await fetch(`http://127.0.0.1:${worker.port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`worker not ready after ${timeoutMs} ms:\n${worker.output()}`);
}

export { freePort };
