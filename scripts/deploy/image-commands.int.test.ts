import { randomBytes } from 'node:crypto';
import { testEnv, uniquePrefix, withDatabase } from '@app/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImages,
  freePort,
  type Staged,
  stageFreshWeb,
  stageWorker,
  startCommand,
  waitFor200,
} from './testing/image-commands.ts';

// What the images run, outside Docker: the builds the Dockerfiles run, the files their runner
// stages copy, and their CMDs, in a directory outside the repository.
describe('production image commands (no Docker)', () => {
  const version = randomBytes(20).toString('hex');
  const staged: Staged[] = [];
  let web: Staged;
  let worker: Staged;

  beforeAll(async () => {
    buildImages(['worker']);
    web = await stageFreshWeb();
    worker = await stageWorker();
    staged.push(web, worker);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(staged.map((s) => s.remove()));
  });

  it('web: node apps/web/server.js answers /api/health with APP_VERSION and serves its static files', async () => {
    const env = await testEnv();
    const port = await freePort();
    const server = startCommand(web.dir, ['apps/web/server.js'], {
      NODE_ENV: 'production',
      PORT: String(port),
      // The image uses 0.0.0.0; tests stay on loopback.
      HOSTNAME: '127.0.0.1',
      APP_VERSION: version,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: await uniquePrefix('web'),
      NEXT_TELEMETRY_DISABLED: '1',
      // Production refuses to start without access control once it exists (issue 4).
      BASIC_AUTH_USER: 'smoke',
      BASIC_AUTH_PASSWORD: 'smoke-test-password',
    });
    try {
      const { body } = await waitFor200(server, `http://127.0.0.1:${port}/api/health`, 60_000);
      expect(body).toMatchObject({ status: 'ok', version, checks: { db: 'ok', redis: 'ok' } });

      // .next/static is not part of the standalone output: the page's own chunks prove the copy.
      const auth = `Basic ${Buffer.from('smoke:smoke-test-password').toString('base64')}`;
      const html = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { authorization: auth },
      }).then((r) => r.text());
      const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0];
      expect(asset).toBeDefined();
      const assetResponse = await fetch(`http://127.0.0.1:${port}${asset}`);
      expect(assetResponse.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('worker: node dist/main.js reports ready with APP_VERSION and exits 0 on SIGTERM', async () => {
    const env = await testEnv();
    const port = await freePort();
    const started = startCommand(worker.dir, ['dist/main.js'], {
      NODE_ENV: 'production',
      APP_VERSION: version,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: await uniquePrefix('worker'),
      WORKER_HEALTH_PORT: String(port),
    });
    const { body } = await waitFor200(started, `http://127.0.0.1:${port}/readyz`);
    expect(body).toMatchObject({ status: 'ok', version });
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output()).toContain('worker stopped');
  });

  it('migrate: node dist/migrate.js creates and migrates a fresh database', async () => {
    const { serverUrl, runId } = await testEnv();
    const name = `test_${runId}_image_migrate_${process.pid}`;
    const url = withDatabase(serverUrl, name);
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    try {
      const started = startCommand(worker.dir, ['dist/migrate.js'], { DATABASE_URL: url });
      expect(await started.exited).toBe(0);
      expect(started.output()).toMatch(/created the database, [1-9]\d* migration\(s\) applied/);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const tables = await sql`select tablename from pg_tables where schemaname = 'public'`;
      await sql.end();
      expect(tables.map((t) => t.tablename)).toContain('examples');
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  });
});
