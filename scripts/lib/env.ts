import {
  databasePoolMode,
  port,
  postgresUrl,
  redisCaFile,
  redisUrl,
  requireTlsForRedisCa,
} from '@app/shared/env';
import { loadEnvOrExit } from '@app/shared/env/node';
import { z } from 'zod';

/** What the developer scripts (up, dev, doctor) read from .env. */
export const scriptsEnvSchema = z
  .object({
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_MODE: databasePoolMode,
    // The migrations' advisory lock needs a session: behind a transaction pool, the direct URL.
    DATABASE_DIRECT_URL: postgresUrl.optional(),
    REDIS_URL: redisUrl,
    REDIS_CA_FILE: redisCaFile,
    PORT: port.default(3000),
    WORKER_HEALTH_PORT: port.default(3001),
    POSTGRES_PORT: port.default(5432),
    REDIS_PORT: port.default(6379),
    // `existing`: Postgres and Redis are managed elsewhere (the devcontainer runs them); never start
    // containers for them, even when a Docker engine answers.
    SERVICES: z.enum(['auto', 'existing']).default('auto'),
  })
  .superRefine(requireTlsForRedisCa);

export type ScriptsEnv = z.output<typeof scriptsEnvSchema>;

export const loadScriptsEnv = (name: string): ScriptsEnv => loadEnvOrExit(name, scriptsEnvSchema);
