import { z } from 'zod';

/**
 * Shared helpers for the per-app `env.ts` modules. Pure (no file system), so the web app can
 * import them without its server bundle tracing the repository; process-level loading of `.env`
 * lives in ./process-env.ts. Every app validates its own variables at
 * start-up; these pieces keep the messages and the URL rules identical everywhere.
 */

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
export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');
export const logFormat = z.enum(['json', 'pretty']).optional();
/** BullMQ key prefix: web and worker must agree on it, so both validate it the same way. */
export const queuePrefix = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
  .default('bull');

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
