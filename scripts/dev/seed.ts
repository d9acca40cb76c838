// template-demo
import { createDb, describeDbError } from '@app/db';
import { seed } from '@app/db/seed';
import { databasePoolMode, postgresUrl } from '@app/shared/env';
import { loadEnvOrExit } from '@app/shared/env/node';
import { z } from 'zod';

// `make seed`: the demo contacts, upserted (safe to repeat).
const env = loadEnvOrExit(
  'seed',
  z.object({ DATABASE_URL: postgresUrl, DATABASE_POOL_MODE: databasePoolMode }),
);
const client = createDb(env.DATABASE_URL, {
  max: 1,
  applicationName: 'seed',
  poolMode: env.DATABASE_POOL_MODE,
});
try {
  const count = await seed(client.db);
  console.log(`seed: ${count} demo contacts upserted`);
} catch (error) {
  console.error(`seed: failed: ${describeDbError(error)} (run \`make migrate\` first?)`);
  process.exitCode = 1;
} finally {
  await client.close();
}
