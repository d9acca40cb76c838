import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
// A CommonJS bundle: Node's ESM loader sees only its default export.
import nextEnv from '@next/env';
import type { z } from 'zod';
import { EnvError, parseEnv } from './config.ts';

// For long-running Node processes and scripts (worker, migrate, make targets). The web app loads
// the root .env in next.config.ts instead (these walk the file system, which Next's tracer would
// turn into "ship the whole repository"), with the same loader and the same arguments, so one
// `.env` means the same thing to every process.

/** The repository root: the nearest folder above `from` that holds pnpm-workspace.yaml. */
export function findRepoRoot(from = process.cwd()): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Loads the root `.env` files into process.env as Next does for the web (`@next/env`: `.env`,
 * then `.env.local` and `.env.development`/`.env.production`, `${VAR}` expanded), never
 * overriding variables that are already set, so the same files serve the host, the devcontainer
 * and tests. Images have no `.env`: a no-op there.
 */
export function loadRootDotenv(root = findRepoRoot()): void {
  if (!root) return;
  nextEnv.loadEnvConfig(root, isDevelopment(), { info: () => {}, error: console.error });
}

/** `@next/env`'s "dev" switch, as next.config.ts passes it: anything but production. */
export const isDevelopment = () => process.env.NODE_ENV !== 'production';

/**
 * For process entry points: validate or exit 1 with one line per problem and no stack trace.
 * `app` names the process in the message so the user knows which one refused to start.
 */
export function loadEnvOrExit<T extends z.ZodType>(app: string, schema: T): z.output<T> {
  loadRootDotenv();
  try {
    return parseEnv(schema, process.env);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(
      `${app}: invalid environment (fix .env or the variables below; see .env.example):\n${error.problems.join('\n')}\n`,
    );
    process.exit(1);
  }
}

/**
 * The running version: APP_VERSION (images get the git SHA as a build argument), else the
 * checkout's HEAD in development, else "dev".
 */
export function resolveVersion(appVersion: string | undefined): string {
  if (appVersion) return appVersion;
  try {
    const root = findRepoRoot();
    if (!root) return 'dev';
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    return 'dev';
  }
}
