import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEnv, withDatabase } from '@app/db/testing';
import { freePort } from '@app/db/testing/processes';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const created: string[] = [];
const fakeBins: string[] = [];

afterAll(async () => {
  const { serverUrl } = await testEnv();
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  for (const name of created) await sql.unsafe(`drop database if exists "${name}" with (force)`);
  await sql.end();
  for (const dir of fakeBins) rmSync(dir, { recursive: true, force: true });
});

/**
 * `make services` (up.ts --no-apps) with a fake `docker` that answers like a working engine and
 * records every call: the situation inside the devcontainer, where docker-in-docker answers.
 */
async function runServices(extraEnv: Record<string, string>) {
  const { serverUrl, redisUrl, runId } = await testEnv();
  const bin = mkdtempSync(path.join(tmpdir(), 'fake-docker-'));
  fakeBins.push(bin);
  const calls = path.join(bin, 'calls');
  writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\necho "$*" >> "${calls}"\necho 27.0.0\n`);
  chmodSync(path.join(bin, 'docker'), 0o755);
  const database = `test_${runId}_services_${created.length}`;
  created.push(database);

  const result = spawnSync('pnpm', ['exec', 'tsx', 'scripts/dev/up.ts', '--no-apps'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
      DATABASE_URL: withDatabase(serverUrl, database),
      REDIS_URL: redisUrl,
      NO_COLOR: '1',
      // Free ports: `make up` names a foreign holder of these before starting compose, and the
      // servers of this machine hold the defaults (the real engine's path is in scripts/docker/).
      POSTGRES_PORT: String(await freePort()),
      REDIS_PORT: String(await freePort()),
      ...extraEnv,
    },
  });
  return { ...result, dockerCalled: existsSync(calls) };
}

describe('make services / make up', () => {
  it('with SERVICES=existing, waits for the servers and migrates without touching Docker', async () => {
    const result = await runServices({ SERVICES: 'existing' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('are healthy (SERVICES=existing)');
    expect(result.stdout).toMatch(/created the database; \d+ migration\(s\) applied/);
    expect(result.dockerCalled).toBe(false);
  });

  it('by default, starts compose when a Docker engine answers', async () => {
    const result = await runServices({ SERVICES: 'auto' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('starting Postgres and Redis with docker compose');
    expect(result.dockerCalled).toBe(true);
  });
});
