import { logLevel, parseEnv, postgresUrl, redisUrl } from '@app/db/config';
import { z } from 'zod';

export const webEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only')
    .default('bull'),
  LOG_LEVEL: logLevel.default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  APP_VERSION: z.string().optional(),
  WORKER_HEALTH_URL: z.url().default('http://127.0.0.1:3001'),
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(50 * 1024 * 1024),
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
