// demo:start
import { DEFAULT_IMPORT_MAX_BYTES } from '@app/shared/contracts/import-file-rules';
// demo:end
import {
  databasePoolMode,
  logFormat,
  logLevel,
  nodeEnv,
  parseEnv,
  postgresUrl,
  queuePrefix,
  redisCaFile,
  redisUrl,
  requireTlsForRedisCa,
} from '@app/shared/env';
import { z } from 'zod';
import { parseTrustedProxies } from './server/client-address.server';

const RATE_LIMIT = /^(\d+)\s*\/\s*(\d*)\s*(seconds?|sec|s|minutes?|min|m|hours?|h|days?|d)$/i;
const RATE_WINDOWS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * "<count>/<window>": `10/minute`, `100/hour`, `5/30s`, `20/2m`. Windows: second, minute, hour,
 * day (or s, m, h, d), optionally with a number of them.
 */
export const rateLimit = z
  .string()
  .trim()
  .regex(RATE_LIMIT, 'expected <count>/<window>, like 10/minute, 100/hour or 5/30s')
  .transform((value, ctx) => {
    const [, count, amount, unit] = RATE_LIMIT.exec(value) ?? [];
    const max = Number(count);
    const windowMs = Number(amount || 1) * (RATE_WINDOWS[unit?.[0]?.toLowerCase() ?? ''] ?? 0);
    if (max < 1 || windowMs < 1000) {
      ctx.addIssue({
        code: 'custom',
        message: 'needs a count of at least 1 and a window of 1 s or more',
      });
      return z.NEVER;
    }
    return { max, windowMs };
  });

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1');

export const webEnvSchema = z
  .object({
    NODE_ENV: nodeEnv,
    DATABASE_URL: postgresUrl,
    // The web needs no session of its own (it never migrates): only how DATABASE_URL pools.
    DATABASE_POOL_MODE: databasePoolMode,
    // Postgres connections this web process may hold; the budget per replica is docs/scaling.md's.
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    REDIS_URL: redisUrl,
    // A rediss:// server signed by a private CA (a managed Valkey/Redis): that CA's PEM file.
    REDIS_CA_FILE: redisCaFile,
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: logLevel.default('info'),
    LOG_FORMAT: logFormat,
    APP_VERSION: z.string().optional(),
    WORKER_HEALTH_URL: z.url().default('http://127.0.0.1:3001'),
    // demo:start
    IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_IMPORT_MAX_BYTES),
    // demo:end
    // Production access control (docs/security.md). Only enforced when NODE_ENV=production.
    BASIC_AUTH_USER: z
      .string()
      .regex(/^[^:]+$/, 'must not contain ":"')
      .optional(),
    BASIC_AUTH_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    PUBLIC_DEMO: booleanFlag.default(false),
    // The origin people open the app at; state-changing requests must come from it. Unset: the
    // request's own host (X-Forwarded-Host, else Host) is the expected origin.
    PUBLIC_URL: z
      .url({
        protocol: /^https?$/,
        message: 'expected an http(s) URL like https://app.example.com',
      })
      .transform((value) => new URL(value).origin)
      .optional(),
    // demo:start
    IMPORT_RATE_LIMIT: rateLimit.default({ max: 10, windowMs: 60_000 }),
    // demo:end
    // Peers whose X-Forwarded-* headers are believed (IPs or CIDR ranges, comma-separated): the
    // reverse proxy in front of the app. Unset: nobody's; the socket address is the client.
    TRUSTED_PROXIES: z
      .string()
      .default('')
      .transform((value, ctx) => {
        try {
          return parseTrustedProxies(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
  })
  .superRefine((value, ctx) => {
    requireTlsForRedisCa(value, ctx);
    const { BASIC_AUTH_USER: user, BASIC_AUTH_PASSWORD: password } = value;
    if (user && !password) {
      ctx.addIssue({
        code: 'custom',
        path: ['BASIC_AUTH_PASSWORD'],
        message: 'is required when BASIC_AUTH_USER is set',
      });
    }
    if (password && !user) {
      ctx.addIssue({
        code: 'custom',
        path: ['BASIC_AUTH_USER'],
        message: 'is required when BASIC_AUTH_PASSWORD is set',
      });
    }
    // A public droplet must never serve an open app by accident: one clear line, exit 1.
    if (value.NODE_ENV === 'production' && !user && !password && !value.PUBLIC_DEMO) {
      ctx.addIssue({
        code: 'custom',
        path: ['BASIC_AUTH_USER'],
        message:
          'production needs BASIC_AUTH_USER and BASIC_AUTH_PASSWORD (HTTP Basic), or PUBLIC_DEMO=true (a read-only public demo)',
      });
    }
  });

export type WebEnv = z.output<typeof webEnvSchema>;

let cached: WebEnv | undefined;

/**
 * Validated lazily so `next build` never needs the runtime variables; instrumentation.ts calls it
 * at server start, so a bad value still stops the server before it takes requests.
 */
export function env(): WebEnv {
  if (cached) return cached;
  cached = parseEnv(webEnvSchema, process.env);
  return cached;
}
