import { describeDbError } from '../client.ts';
import { loadDbEnv } from '../env.ts';
import { runMigrations } from '../migrate.ts';

const env = loadDbEnv();
const started = performance.now();
try {
  const result = await runMigrations(env.DATABASE_URL);
  const ms = Math.round(performance.now() - started);
  const created = result.createdDatabase ? 'created the database, ' : '';
  console.log(`migrate: ${created}${result.applied} migration(s) applied in ${ms} ms`);
} catch (error) {
  console.error(`migrate: failed: ${describeDbError(error)}`);
  console.error('migrate: is Postgres running? `make doctor` checks it.');
  process.exit(1);
}
