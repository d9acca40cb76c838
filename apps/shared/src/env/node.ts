import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as nextEnvModule from '@next/env';
import type { z } from 'zod';
import { EnvError, parseEnv } from './schema.ts';

// Process-level environment for every Node process of the repository: the worker, the db
// commands, the scripts and (through next.config.ts) the web app. One loader, Next's own
// (`@next/env`), so `.env`, `.env.local`, `.env.<mode>` and `${VAR}` mean the same thing to all
// of them (docs/decisions/0075). Images have no .env files: loading is a no-op there.

// @next/env is a CommonJS bundle that marks itself __esModule: Node's ESM loader exposes it as
// `default`, Next's config compiler and esbuild as named exports. Accept both.
type NextEnv = typeof import('@next/env');
const nextEnv: NextEnv =
  'loadEnvConfig' in nextEnvModule
    ? (nextEnvModule as NextEnv)
    : (nextEnvModule as unknown as { default: NextEnv }).default;

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

/** The env files Next reads for a mode, most important first (`.env.local` is skipped in test). */
export function envFileNames(nodeEnv = process.env.NODE_ENV): string[] {
  const mode = nodeEnv === 'production' || nodeEnv === 'test' ? nodeEnv : 'development';
  return [`.env.${mode}.local`, ...(mode === 'test' ? [] : ['.env.local']), `.env.${mode}`, '.env'];
}

/**
 * Loads the env files of `dir` into process.env as `next dev` / `next start` do: the files of
 * envFileNames, earlier ones winning, `${VAR}` expanded, variables set before never overridden.
 * The parsing and expansion are Next's own (`processEnv`); only the file list is read here, so
 * a second call (next.config.ts runs after Next's own load) neither resets nor skips anything.
 * Returns the names of the files it read.
 */
export function loadEnvFiles(dir: string, nodeEnv = process.env.NODE_ENV): string[] {
  const files = envFileNames(nodeEnv).flatMap((name) => {
    const file = path.join(dir, name);
    return existsSync(file) ? [{ path: name, contents: readFileSync(file, 'utf8'), env: {} }] : [];
  });
  const log = { info: () => {}, error: (...args: unknown[]) => console.error(...args) };
  nextEnv.processEnv(files, dir, log, true);
  return files.map((file) => file.path);
}

/** The repository's env files (see loadEnvFiles); a no-op outside a checkout. */
export function loadRootEnv(): void {
  const root = findRepoRoot();
  if (root) loadEnvFiles(root);
}

/**
 * For process entry points: validate or exit 1 with one line per problem and no stack trace.
 * `app` names the process in the message so the user knows which one refused to start.
 */
export function loadEnvOrExit<T extends z.ZodType>(app: string, schema: T): z.output<T> {
  loadRootEnv();
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
export function resolveVersion(appVersion: string | undefined, root = findRepoRoot()): string {
  if (appVersion) return appVersion;
  if (!root) return 'dev';
  try {
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
