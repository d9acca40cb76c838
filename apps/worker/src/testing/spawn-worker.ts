import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@app/db/testing/processes';

const workerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type SpawnedWorker = {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
};

/**
 * Starts the real worker entry point (src/main.ts through tsx) as a child process with exactly the
 * given environment, so tests can SIGTERM or SIGKILL it like Docker would.
 */
export async function spawnWorker(env: Record<string, string>): Promise<SpawnedWorker> {
  const port = Number(env.WORKER_HEALTH_PORT ?? (await freePort()));
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: workerRoot,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      WORKER_HEALTH_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, port, output: () => output, exited };
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
