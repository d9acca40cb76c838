import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import type { z } from 'zod';
import { EnvError, parseEnv } from './config.ts';

// For long-running Node processes and scripts (worker, migrate, make targets). The web app loads
// the root .env in next.config.ts instead: these walk the file system, which Next's tracer would
// turn into "ship the whole repository".

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
 * Loads the root `.env` into process.env without overriding variables that are already set, so
 * the same file serves the host, the devcontainer and tests. Images have no `.env`: a no-op there.
 */
export function loadRootDotenv(): void {
  const root = findRepoRoot();
  if (!root) return;
  const file = path.join(root, '.env');
  if (existsSync(file)) loadDotenv({ path: file, quiet: true });
}

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
