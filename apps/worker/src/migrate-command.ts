import { describeDbError } from '@app/db';
import { runMigrations } from '@app/db/migrate';
import {
  databasePoolMode,
  postgresUrl,
  requireDirectUrlWhenPooled,
  sessionDatabaseUrl,
} from '@app/shared/env';
import { loadEnvOrExit } from '@app/shared/env/node';
import { z } from 'zod';

// The migrate command: `make migrate` in a checkout, `node dist/migrate.js` in the worker image
// (docker-compose.prod.yml's migrate service). It needs nothing but the database.
// Its session advisory lock needs a session of its own: DATABASE_DIRECT_URL when DATABASE_URL is
// a transaction pool, which is refused without it.
const env = loadEnvOrExit(
  'migrate',
  z
    .object({
      DATABASE_URL: postgresUrl,
      DATABASE_POOL_MODE: databasePoolMode,
      DATABASE_DIRECT_URL: postgresUrl.optional(),
    })
    .superRefine(requireDirectUrlWhenPooled),
);
const started = performance.now();
try {
  const result = await runMigrations(sessionDatabaseUrl(env));
  const ms = Math.round(performance.now() - started);
  const created = result.createdDatabase ? 'created the database, ' : '';
  console.log(`migrate: ${created}${result.applied} migration(s) applied in ${ms} ms`);
} catch (error) {
  console.error(`migrate: failed: ${describeDbError(error)}`);
  console.error('migrate: is Postgres running? `make doctor` checks it.');
  process.exit(1);
}
