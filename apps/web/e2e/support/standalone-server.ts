import type { ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, spawnNode } from '@app/db/testing/processes';
import { buildIfStale, withBuildLock } from './next-build';

/**
 * The production web server for integration tests: Next's standalone output, staged outside the
 * repository as the image stages it (no workspace node_modules, no .env), from one build shared
 * by every test file that needs it. Start it as many times as needed with different environments.
 */

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type StagedWeb = { dir: string; remove: () => Promise<void> };

export function stageStandaloneWeb(): Promise<StagedWeb> {
  return withBuildLock(webDir, async () => {
    buildIfStale(webDir);
    const dir = await mkdtemp(path.join(tmpdir(), 'web-standalone-'));
    const next = path.join(webDir, '.next');
    await cp(path.join(next, 'standalone'), dir, { recursive: true, verbatimSymlinks: true });
    await cp(path.join(next, 'static'), path.join(dir, 'apps/web/.next/static'), {
      recursive: true,
    });
    await cp(path.join(webDir, 'public'), path.join(dir, 'apps/web/public'), { recursive: true });
    return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
  });
}

export type WebServer = {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | string>;
  stop: () => Promise<void>;
};

/** `node apps/web/server.js` on a free loopback port with exactly `env` (and PATH). */
export async function startWeb(staged: StagedWeb, env: Record<string, string>): Promise<WebServer> {
  const port = await freePort();
  const { child, output, exited } = spawnNode(staged.dir, ['apps/web/server.js'], {
    NODE_ENV: 'production',
    HOSTNAME: '127.0.0.1',
    ...env,
    PORT: String(port),
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls /api/health until it answers 200 (Redis and Postgres reachable). */
export async function waitForHealthy(server: WebServer, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) {
      throw new Error(`web exited early (${server.child.exitCode}):\n${server.output()}`);
    }
    const status = await fetch(`${server.url}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(100);
  }
  throw new Error(`web not healthy after ${timeoutMs} ms:\n${server.output()}`);
}

export { freePort };
