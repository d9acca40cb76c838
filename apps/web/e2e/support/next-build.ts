import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

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
    path.join(root, 'apps/worker/src'),
    path.join(root, 'db/src'),
    path.join(root, 'pnpm-lock.yaml'),
  ];
  return Math.ceil(Math.max(...inputs.map(newestMtime)));
}

export function nextBuildIsFresh(webDir: string, newestSource: number): boolean {
  const stamp = path.join(webDir, STAMP);
  if (!existsSync(path.join(webDir, '.next/BUILD_ID')) || !existsSync(stamp)) return false;
  const builtFrom = Number(readFileSync(stamp, 'utf8'));
  return Number.isFinite(builtFrom) && newestSource <= builtFrom;
}

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder's mtime
  for (const entry of readdirSync(file)) {
    newest = Math.max(newest, newestMtime(path.join(file, entry)));
  }
  return newest;
}
