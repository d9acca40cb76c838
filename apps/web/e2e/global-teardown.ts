import postgres from 'postgres';
import { e2eRun, stopE2eServices } from './support/e2e-run';

/** Drops the run's database and Redis keys, whatever the tests did. */
export default async function globalTeardown() {
  const run = await e2eRun();
  const sql = postgres(run.serverUrl, { max: 1, onnotice: () => {} });
  try {
    // FORCE: the web app and the worker still hold connections; they are stopped after this.
    await sql.unsafe(`drop database if exists "e2e_${run.runId}" with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(run.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${run.queuePrefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  await stopE2eServices();
}
