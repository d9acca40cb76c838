import { randomBytes } from 'node:crypto';
// demo:start
import { contactsCsv, expectedCounts } from '@app/worker/testing';
// demo:end
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppClient, appClient } from './testing/app-client.ts';
import {
  buildImage,
  docker,
  dockerOk,
  headSha,
  healthOf,
  psql,
  publishedPort,
  removeAll,
  startPostgres,
  startRedis,
  stopContainer,
  uniqueName,
  waitHealthy,
} from './testing/docker.ts';

// The production images as a plain Docker host runs them: built from the real Dockerfiles, on a
// user-defined network with a password-protected Postgres and Redis, the web container published
// on a loopback port. Figures (build, healthy, import times) are printed, never asserted.

// demo:start
const MiB = 1024 * 1024;
const IMPORT_MAX_BYTES = 32 * MiB;
// Next's proxy buffers at most 10 MB of a request body by default: this file is above that.
const BIG_ROWS = 170_000;
// demo:end

const sha = headSha();
const net = uniqueName('images');
const names = {
  postgres: `${net}-postgres`,
  redis: `${net}-redis`,
  web: `${net}-web`,
  worker: `${net}-worker`,
  workerA: `${net}-worker-a`,
  workerB: `${net}-worker-b`,
};
const auth = { user: 'admin', password: randomBytes(12).toString('hex') };
const secrets = {
  postgres: randomBytes(12).toString('hex'),
  redis: randomBytes(12).toString('hex'),
};
const images = { web: '', worker: '' };
let databaseUrl = '';
let redisUrl = '';
let app: AppClient;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[images] ${line}`);

/** A worker container on the test network (alias `worker` for the web's worker check). */
function runWorker(name: string, env: Record<string, string> = {}) {
  const vars = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: 'bull', ...env };
  dockerOk([
    'run',
    '-d',
    '--name',
    name,
    '--network',
    net,
    '--network-alias',
    'worker',
    ...Object.entries(vars).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    images.worker,
  ]);
}

// demo:start
const countContacts = (emailPrefix: string) =>
  Number(
    psql(
      names.postgres,
      `select count(*) from contacts where email like '${emailPrefix}.%'`,
      'app',
    ),
  );
const countErrors = (importId: string) =>
  Number(
    psql(
      names.postgres,
      `select count(*) from import_errors where import_id = '${importId}'`,
      'app',
    ),
  );
// demo:end

beforeAll(async () => {
  for (const appName of ['worker', 'web'] as const) {
    const started = Date.now();
    images[appName] = buildImage(appName, { sha });
    log(`build ${appName}: ${seconds(Date.now() - started)} (${images[appName]})`);
  }
  dockerOk(['network', 'create', net]);
  databaseUrl = await startPostgres({
    name: names.postgres,
    network: net,
    alias: 'postgres',
    password: secrets.postgres,
  });
  redisUrl = await startRedis({
    name: names.redis,
    network: net,
    alias: 'redis',
    password: secrets.redis,
  });
});

afterAll(() => {
  removeAll(Object.values(names), net);
});

describe('production images', () => {
  test('the worker image migrates a fresh database, and again as a no-op', () => {
    const migrate = () =>
      docker([
        'run',
        '--rm',
        '--network',
        net,
        '-e',
        `DATABASE_URL=${databaseUrl}`,
        images.worker,
        'node',
        'dist/migrate.js',
      ]);
    const first = migrate();
    expect(first.status, first.output).toBe(0);
    const tables = psql(
      names.postgres,
      "select tablename from pg_tables where schemaname = 'public' order by 1",
      'app',
    ).split('\n');
    expect(tables).toEqual(expect.arrayContaining(['examples', 'backup_runs']));
    // demo:start
    expect(tables).toEqual(
      expect.arrayContaining(['contacts', 'imports', 'import_chunks', 'import_errors']),
    );
    // demo:end
    const second = migrate();
    expect(second.status, second.output).toBe(0);
    // Never a secret in any output.
    expect(first.output + second.output).not.toContain(secrets.postgres);
  });

  test('web and worker turn healthy by their own HEALTHCHECK; /api/health reports the commit', async () => {
    const started = Date.now();
    runWorker(names.worker);
    const webVars = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: 'bull',
      BASIC_AUTH_USER: auth.user,
      BASIC_AUTH_PASSWORD: auth.password,
      // demo:start
      IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES),
      IMPORT_RATE_LIMIT: '100/minute',
      // demo:end
      WORKER_HEALTH_URL: 'http://worker:3001',
    };
    dockerOk([
      'run',
      '-d',
      '--name',
      names.web,
      '--network',
      net,
      '-p',
      '127.0.0.1::3000',
      ...Object.entries(webVars).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      images.web,
    ]);
    const healthyMs = await waitHealthy([names.web, names.worker]);
    log(
      `web and worker healthy ${seconds(healthyMs)} after docker run (${seconds(Date.now() - started)} total)`,
    );

    app = appClient(`http://127.0.0.1:${publishedPort(names.web, 3000)}`, auth);
    const health = await app.health();
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', version: sha } });
    // Production access control is on: no credentials, no app.
    expect((await fetch(`${app.baseUrl}/api/examples`)).status).toBe(401);
    // The whole loop through the containers: web → Redis → worker → Postgres → web.
    await app.processExample('through the images');
  });

  // demo:start

  test('a CSV above 10 MB goes through the web container and the worker imports it exactly', async () => {
    const csv = contactsCsv({ rows: BIG_ROWS, invalidPercent: 3, emailPrefix: 'big' });
    const expected = expectedCounts(BIG_ROWS, 3);
    expect(csv.byteLength).toBeGreaterThan(10 * MiB);
    expect(csv.byteLength).toBeLessThan(IMPORT_MAX_BYTES);

    const started = Date.now();
    const upload = await app.upload(csv, 'big.csv');
    expect(upload.status, upload.text).toBe(202);
    const uploadedMs = Date.now() - started;
    const done = await app.waitForImport(upload.id);
    log(
      `import of ${(csv.byteLength / MiB).toFixed(1)} MB (${BIG_ROWS} rows): upload ${seconds(uploadedMs)}, completed ${seconds(Date.now() - started)}`,
    );
    expect(done).toMatchObject({
      status: 'completed',
      processedRows: expected.processed,
      inserted: expected.valid,
      updated: 0,
      invalid: expected.invalid,
    });
    expect(countContacts('big')).toBe(expected.valid);
    expect(countErrors(upload.id)).toBe(expected.invalid);
  });

  test('docker stop of the worker mid-import exits 0 and another worker finishes it exactly', async () => {
    // The first worker goes (idle: exit 0 too); worker A imports slowly so the stop lands mid-import.
    const idle = stopContainer(names.worker);
    expect(idle, 'docker stop of an idle worker').toMatchObject({ status: 0, exitCode: 0 });
    runWorker(names.workerA, { IMPORT_BATCH_SIZE: '1000', IMPORT_BATCH_DELAY_MS: '200' });
    await waitHealthy([names.workerA]);

    const rows = 40_000;
    const expected = expectedCounts(rows, 3);
    const started = Date.now();
    const upload = await app.upload(
      contactsCsv({ rows, invalidPercent: 3, emailPrefix: 'handover' }),
      'handover.csv',
    );
    expect(upload.status, upload.text).toBe(202);
    const before = await app.waitForImport(upload.id, (s) => s.processedRows >= 5000);
    expect(before.status).toBe('running');

    const stop = stopContainer(names.workerA);
    log(`docker stop mid-import: ${seconds(stop.ms)} at ${before.processedRows}/${rows} rows`);
    expect(stop, docker(['logs', '--tail', '20', names.workerA]).output).toMatchObject({
      status: 0,
      exitCode: 0,
    });
    const handedBack = await app.importState(upload.id);
    expect(handedBack.processedRows).toBeLessThan(rows);

    runWorker(names.workerB);
    const done = await app.waitForImport(upload.id);
    log(`import with a handover: completed ${seconds(Date.now() - started)} after the upload`);
    expect(healthOf(names.workerB)).not.toBe('unhealthy');
    expect(done).toMatchObject({
      status: 'completed',
      processedRows: expected.processed,
      inserted: expected.valid,
      updated: 0,
      invalid: expected.invalid,
    });
    // No duplicate and no missing contact or error row.
    expect(countContacts('handover')).toBe(expected.valid);
    expect(countErrors(upload.id)).toBe(expected.invalid);
  });
  // demo:end
});
