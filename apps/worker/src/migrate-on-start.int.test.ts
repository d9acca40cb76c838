import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { testEnv, uniquePrefix, withDatabase } from '@app/db/testing';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { type SpawnedWorker, spawnWorkerBundle } from './testing/spawn-worker.ts';

// MIGRATE_ON_START (decision 31): the first worker of a release migrates before its health server
// answers, so Coolify's rolling update only sees it healthy on the new schema. Through the real
// production bundle, against a database that does not exist yet, two workers started at once.

const journal = JSON.parse(
  readFileSync(new URL('../../../db/migrations/meta/_journal.json', import.meta.url), 'utf8'),
) as { entries: unknown[] };

const workers: SpawnedWorker[] = [];
let admin: postgres.Sql | undefined;
let database = '';

afterAll(async () => {
  for (const worker of workers) worker.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await admin?.unsafe(`drop database if exists "${database}" with (force)`);
  await admin?.end();
});

/** Polls /readyz from the start; at the first answer, reads the schema as it is at that moment. */
async function schemaWhenFirstHealthy(worker: SpawnedWorker, url: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
    const answered = await fetch(`http://127.0.0.1:${worker.port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (answered) {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const [row] = await sql<
          { n: number }[]
        >`select count(*)::int n from drizzle.__drizzle_migrations`;
        const [lastTable] = await sql<
          { t: string | null }[]
        >`select to_regclass('examples')::text t`;
        return { migrations: row?.n, table: lastTable?.t };
      } finally {
        await sql.end();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`worker not ready:\n${worker.output()}`);
}

describe('MIGRATE_ON_START', () => {
  it('two workers on a new database: each is healthy only on the full schema, applied once', async () => {
    const env = await testEnv();
    database = `${new URL(env.databaseUrl).pathname.slice(1)}_mig_${randomBytes(3).toString('hex')}`;
    admin = postgres(env.serverUrl, { max: 1, onnotice: () => {} });
    const url = withDatabase(env.serverUrl, database);
    const prefix = await uniquePrefix('migrate');
    for (let i = 0; i < 2; i++) {
      workers.push(
        await spawnWorkerBundle({
          DATABASE_URL: url,
          REDIS_URL: env.redisUrl,
          QUEUE_PREFIX: prefix,
          MIGRATE_ON_START: 'true',
        }),
      );
    }
    const seen = await Promise.all(workers.map((w) => schemaWhenFirstHealthy(w, url)));
    const expected = { migrations: journal.entries.length, table: 'examples' };
    expect(seen).toEqual([expected, expected]);

    // One worker applied them all, the other found nothing to do: the advisory lock serialised them.
    const applied = workers.map((w) => {
      const line = w
        .output()
        .split('\n')
        .find((l) => l.includes('migrations applied before start'));
      return (JSON.parse(line ?? '{}') as { applied?: number }).applied;
    });
    expect(applied.sort()).toEqual([0, journal.entries.length]);
  });
});
