import { z } from 'zod';
import { postgresUrl } from './config.ts';
import { loadEnvOrExit } from './process-env.ts';

/** Environment of the db command-line tools (migrate, seed). */
export const envSchema = z.object({
  DATABASE_URL: postgresUrl,
});

export const loadDbEnv = () => loadEnvOrExit('db', envSchema);
