// `pnpm install` runs this (the root "prepare" script). It installs the husky hooks only in a git
// checkout with devDependencies present, so image builds, `pnpm deploy --prod` and CI installs
// from tarballs never fail on it.
import { existsSync } from 'node:fs';

if (process.env.CI === 'true' || process.env.HUSKY === '0') process.exit(0);
if (!existsSync('.git')) process.exit(0);
try {
  const { default: husky } = await import('husky');
  const message = husky();
  if (message) console.warn(`git hooks: ${message}`);
} catch {
  // husky is a devDependency; a production install does not have it, and that is fine.
}
