import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether apps/web/.next holds a production build newer than every file it was built from, so a
 * second `make test` skips the minute-long `next build`. Any doubt means "build again".
 */
export function nextBuildIsFresh(webDir: string): boolean {
  const buildId = path.join(webDir, '.next', 'BUILD_ID');
  if (!existsSync(buildId)) return false;
  const builtAt = statSync(buildId).mtimeMs;
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
  return inputs.every((input) => newestMtime(input) < builtAt);
}

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder's mtime
  for (const entry of readdirSync(file))
    newest = Math.max(newest, newestMtime(path.join(file, entry)));
  return newest;
}
