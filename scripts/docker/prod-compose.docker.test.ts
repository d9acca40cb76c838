import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// demo:start
import { contactsCsv, expectedCounts } from '@app/worker/testing';
// demo:end
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AppClient, appClient } from './testing/app-client.ts';
import {
  buildImage,
  composeProject,
  docker,
  dockerOk,
  exitCodeOf,
  headSha,
  healthOf,
  testPrefix,
  uniqueName,
} from './testing/docker.ts';

// docker-compose.prod.yml as a plain Docker host runs it, with the images just built under the
// tags the file expects (ghcr.io/<GHCR_REPOSITORY>/<app>:<IMAGE_TAG>) and an env file like the
// one docs/deploy.md describes. Nothing of the file is changed; an override file only publishes
// web on a loopback port (the stand-in for a reverse proxy) and slows the worker's batches so a
// redeploy lands mid-import. Figures are printed, never asserted.

const repository = `${testPrefix}/template`;
const sha = headSha();
// The redeploy's image: another GIT_SHA, so /api/health must change to show the new version.
const nextSha = `${sha.slice(0, 12)}-redeploy`;
const tags = { first: `sha-${sha}`, next: `sha-${nextSha}` };
const secrets = {
  SERVICE_PASSWORD_POSTGRES: randomBytes(16).toString('hex'),
  SERVICE_PASSWORD_REDIS: randomBytes(16).toString('hex'),
  SERVICE_PASSWORD_BASICAUTH: randomBytes(16).toString('hex'),
};
const dir = mkdtempSync(path.join(tmpdir(), `${testPrefix}-prod-`));
const envFile = path.join(dir, 'prod.env');
const override = path.join(dir, 'loopback.override.yml');
const project = composeProject({
  name: uniqueName('prod'),
  files: ['docker-compose.prod.yml', override],
  envFile,
});
const ghcrTags: string[] = [];
let app: AppClient;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => console.log(`[prod-compose] ${line}`);

function writeEnv(vars: Record<string, string>) {
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
  );
}

const deployEnv = (imageTag: string) => ({
  GHCR_REPOSITORY: repository,
  IMAGE_TAG: imageTag,
  WORKER_REPLICAS: '2',
  ...secrets,
});

const sql = (query: string) =>
  project.composeOk([
    'exec',
    '-T',
    'postgres',
    'psql',
    '-U',
    'app',
    '-d',
    'app',
    '-At',
    '-c',
    query,
  ]);

/** Web's loopback port for this deploy (a recreated container gets a new one). */
function connect(): AppClient {
  const line = project.composeOk(['port', 'web', '3000']);
  return appClient(`http://127.0.0.1:${line.slice(line.lastIndexOf(':') + 1)}`, {
    user: 'admin',
    password: secrets.SERVICE_PASSWORD_BASICAUTH,
  });
}

/** `up -d --wait`: returns when migrate has exited 0 and every service reports healthy. */
function deploy(imageTag: string): number {
  writeEnv(deployEnv(imageTag));
  const started = Date.now();
  const up = project.compose(['up', '-d', '--wait', '--wait-timeout', '300']);
  if (up.status !== 0) {
    const logs = project.compose(['logs', '--tail', '30']).output;
    throw new Error(`docker compose up (${imageTag}) exited ${up.status}:\n${up.output}\n${logs}`);
  }
  return Date.now() - started;
}

beforeAll(() => {
  for (const [key, gitSha] of [
    ['first', sha],
    ['next', nextSha],
  ] as const) {
    for (const appName of ['worker', 'web'] as const) {
      const started = Date.now();
      const built = buildImage(appName, { sha: gitSha });
      const tag = `ghcr.io/${repository}/${appName}:${tags[key]}`;
      dockerOk(['tag', built, tag]);
      ghcrTags.push(tag);
      log(`build ${appName} (${key}): ${seconds(Date.now() - started)}`);
    }
  }
  writeFileSync(
    override,
    [
      'services:',
      '  web:',
      '    ports:',
      '      - "127.0.0.1::3000"',
      // demo:start
      '  worker:',
      '    environment:',
      '      - IMPORT_BATCH_SIZE=1000',
      '      - IMPORT_BATCH_DELAY_MS=150',
      // demo:end
      '',
    ].join('\n'),
  );
});

afterAll(() => {
  writeEnv(deployEnv(tags.next));
  project.compose(['down', '-v', '--remove-orphans', '-t', '5']);
  if (ghcrTags.length > 0) docker(['image', 'rm', ...ghcrTags]);
  rmSync(dir, { recursive: true, force: true });
});

describe('docker-compose.prod.yml', () => {
  test.each(Object.keys(secrets))('without %s it refuses to start and names it', (missing) => {
    const vars: Record<string, string> = deployEnv(tags.first);
    delete vars[missing];
    writeEnv(vars);
    const up = project.compose(['up', '-d']);
    expect(up.status).not.toBe(0);
    expect(up.output).toContain(`required variable ${missing} is missing a value: set it to`);
    // Refused before anything was created: no container, no volume.
    expect(project.compose(['ps', '-a', '-q']).stdout.trim()).toBe('');
    expect(up.output).not.toContain(secrets.SERVICE_PASSWORD_REDIS);
  });

  test('migrate runs once and exits 0; web and two worker replicas turn healthy', () => {
    const upMs = deploy(tags.first);
    log(`up --wait (fresh volumes): ${seconds(upMs)}`);

    const [migrate, ...moreMigrates] = project.containers('migrate');
    expect(moreMigrates).toEqual([]);
    expect(exitCodeOf(migrate ?? 'none')).toBe(0);
    expect(dockerOk(['inspect', '-f', '{{.RestartCount}}', migrate ?? 'none'])).toBe('0');
    const tables = sql("select tablename from pg_tables where schemaname = 'public'").split('\n');
    expect(tables).toEqual(expect.arrayContaining(['examples', 'backup_runs']));
    // demo:start
    expect(tables).toEqual(expect.arrayContaining(['contacts', 'imports', 'import_chunks']));
    // demo:end

    const workers = project.containers('worker');
    expect(workers).toHaveLength(2);
    for (const container of [...workers, ...project.containers('web')]) {
      expect(healthOf(container), container).toBe('healthy');
    }
  });

  test('the app works behind Basic auth and reports the deployed commit', async () => {
    app = connect();
    expect(await app.health()).toMatchObject({ status: 200, body: { status: 'ok', version: sha } });
    expect((await fetch(`${app.baseUrl}/api/examples`)).status).toBe(401);
    const wrong = await fetch(`${app.baseUrl}/api/examples`, {
      headers: { authorization: `Basic ${Buffer.from('admin:wrong-password').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    // web → Redis → worker → Postgres → web, through the deployed containers.
    await app.processExample('through docker-compose.prod.yml');

    // demo:start
    const rows = 2000;
    const expected = expectedCounts(rows, 3);
    const upload = await app.upload(
      contactsCsv({ rows, invalidPercent: 3, emailPrefix: 'first' }),
      'first.csv',
    );
    expect(upload.status, upload.text).toBe(202);
    expect(await app.waitForImport(upload.id)).toMatchObject({
      status: 'completed',
      inserted: expected.valid,
      invalid: expected.invalid,
    });
    // The page itself renders for a signed-in user.
    expect((await app.get('/imports')).status).toBe(200);
    // demo:end
  });

  // demo:start

  test('a redeploy with a new IMAGE_TAG during an import loses no row and serves the new version', async () => {
    const rows = 60_000;
    const expected = expectedCounts(rows, 3);
    const upload = await app.upload(
      contactsCsv({ rows, invalidPercent: 3, emailPrefix: 'redeploy' }),
      'redeploy.csv',
    );
    expect(upload.status, upload.text).toBe(202);
    const before = await app.waitForImport(upload.id, (s) => s.processedRows >= 3000);
    expect(before.status).toBe('running');

    const redeployMs = deploy(tags.next);
    log(`redeploy (${tags.next}) up --wait: ${seconds(redeployMs)}`);
    const during = Number(sql(`select processed_rows from imports where id = '${upload.id}'`));
    log(`import at ${before.processedRows} rows when the redeploy began, ${during} when it ended`);

    app = connect();
    expect(await app.health()).toMatchObject({ status: 200, body: { version: nextSha } });
    for (const container of [...project.containers('worker'), ...project.containers('web')]) {
      expect(dockerOk(['inspect', '-f', '{{.Config.Image}}', container])).toContain(tags.next);
    }
    const done = await app.waitForImport(upload.id);
    expect(done).toMatchObject({
      status: 'completed',
      processedRows: expected.processed,
      inserted: expected.valid,
      updated: 0,
      invalid: expected.invalid,
    });
    expect(Number(sql("select count(*) from contacts where email like 'redeploy.%'"))).toBe(
      expected.valid,
    );
    expect(Number(sql(`select count(*) from import_errors where import_id = '${upload.id}'`))).toBe(
      expected.invalid,
    );
    // The first deploy's data is still there: the volumes outlive the containers.
    expect(Number(sql("select count(*) from contacts where email like 'first.%'"))).toBe(
      expectedCounts(2000, 3).valid,
    );
  });
  // demo:end
});
