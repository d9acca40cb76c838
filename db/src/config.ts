import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';

/**
 * Shared helpers for the per-app `env.ts` modules. Every app validates its own variables at
 * start-up; these pieces keep the messages and the URL rules identical everywhere.
 */

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

const postgresProtocols = new Set(['postgres:', 'postgresql:']);
const redisProtocols = new Set(['redis:', 'rediss:']);

function urlWith(protocols: Set<string>, example: string) {
  return z.string().refine(
    (value) => {
      if (!URL.canParse(value)) return false;
      return protocols.has(new URL(value).protocol);
    },
    { message: `expected a URL like ${example}` },
  );
}

export const postgresUrl = urlWith(postgresProtocols, 'postgres://postgres@localhost:5432/app');
export const redisUrl = urlWith(redisProtocols, 'redis://localhost:6379');
export const port = z.coerce.number().int().min(1).max(65535);
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.join('\n')}`);
    this.name = 'EnvError';
  }
}

/** One line per problem, naming the variable and what it should be. Values are never echoed. */
export function describeEnvProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const message = issue.code === 'invalid_type' ? 'is required' : issue.message;
    return `  ${name}: ${message}`;
  });
}

/** Validates `source` against `schema`; throws EnvError listing every problem. */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  source: Record<string, string | undefined>,
): z.output<T> {
  // Empty strings count as unset: `FOO=` in .env must not satisfy a required variable.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new EnvError(describeEnvProblems(result.error));
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
