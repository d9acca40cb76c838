import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTestFile, newestMtime, withLock } from '@app/db/testing/processes';

/**
 * Lets a second `make test` skip the minute-long `next build`. After building, the test writes
 * STAMP with the newest source mtime it saw *before* the build started; the build is reused only
 * while no source is newer than that, so an edit made during a build still triggers the next one.
 * Any doubt (no stamp, a plain `next build`, a checkout) means "build again".
 */
export const STAMP = '.next/e2e-sources-mtime';

export function newestSourceMtime(webDir: string): number {
  const root = path.resolve(webDir, '../..');
  const inputs = [
    path.join(webDir, 'src'),
    path.join(webDir, 'public'),
    path.join(webDir, 'next.config.ts'),
    path.join(webDir, 'package.json'),
    path.join(root, 'apps/shared/src'),
    path.join(root, 'db/src'),
    path.join(root, 'pnpm-lock.yaml'),
  ];
  return Math.ceil(Math.max(...inputs.map((input) => newestMtime(input, isTestFile))));
}

export function nextBuildIsFresh(webDir: string, newestSource: number): boolean {
  const stamp = path.join(webDir, STAMP);
  if (!existsSync(path.join(webDir, '.next/BUILD_ID')) || !existsSync(stamp)) return false;
  const builtFrom = Number(readFileSync(stamp, 'utf8'));
  return Number.isFinite(builtFrom) && newestSource <= builtFrom;
}

/**
 * Test files run in parallel processes and several need the production build: the first one to
 * get here builds (unless a fresh build exists, as above), the others wait and reuse it.
 */
export function withBuildLock<T>(webDir: string, fn: () => Promise<T>): Promise<T> {
  return withLock(`next-build:${webDir}`, fn);
}

/** `next build` unless the last one is still fresh; call it inside withBuildLock. */
export function buildIfStale(webDir: string): void {
  const sources = newestSourceMtime(webDir);
  if (nextBuildIsFresh(webDir, sources)) return;
  const result = spawnSync('pnpm', ['exec', 'next', 'build'], {
    cwd: webDir,
    encoding: 'utf8',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (result.status !== 0) {
    throw new Error(`next build failed:\n${result.stdout}\n${result.stderr}`);
  }
  writeFileSync(path.join(webDir, STAMP), String(sources));
}
