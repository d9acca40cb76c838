import { createDb, describeDbError } from '../client.ts';
import { loadDbEnv } from '../env.ts';
import { seed } from '../seed.ts';

const env = loadDbEnv();
const client = createDb(env.DATABASE_URL, { max: 1, applicationName: 'seed' });
try {
  const count = await seed(client.db);
  console.log(`seed: ${count} demo contacts upserted`);
} catch (error) {
  console.error(`seed: failed: ${describeDbError(error)} (run \`make migrate\` first?)`);
  process.exitCode = 1;
} finally {
  await client.close();
}
