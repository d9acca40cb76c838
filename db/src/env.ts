import { z } from 'zod';
import { loadEnvOrExit, postgresUrl } from './config.ts';

/** Environment of the db command-line tools (migrate, seed). */
export const envSchema = z.object({
  DATABASE_URL: postgresUrl,
});

export const loadDbEnv = () => loadEnvOrExit('db', envSchema);
