import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMigrations } from '@app/db/migrate';
import { testEnv } from '@app/db/testing';
import { withDatabase } from '@app/worker/backups';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `make backup` and `make restore` as people run them: the entry files as child processes, on a
// live database of the test's own, with BACKUP_DIR a temporary folder.
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const id = randomBytes(3).toString('hex');
const live = `restore_cli_${id}`;
let serverUrl: string;
let liveUrl: string;
let dir: string;
let admin: postgres.Sql;

function run(script: 'backup' | 'restore', args: string[] = []) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, `${script}.ts`), ...args],
    {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', DATABASE_URL: liveUrl, BACKUP_DIR: dir },
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const databases = async () =>
  (
    await admin<{ datname: string }[]>`
    select datname from pg_database where datname like ${`${live}%`} order by 1`
  ).map((r) => r.datname);
const examplesIn = async (name: string) => {
  const sql = postgres(withDatabase(serverUrl, name), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from examples`;
    return row?.n;
  } finally {
    await sql.end();
  }
};

beforeAll(async () => {
  serverUrl = (await testEnv()).databaseUrl;
  admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  liveUrl = withDatabase(serverUrl, live);
  await runMigrations(liveUrl);
  const sql = postgres(liveUrl, { max: 1, onnotice: () => {} });
  await sql`insert into examples (message) select 'example ' || g from generate_series(1, 25) g`;
  await sql.end();
  dir = await mkdtemp(path.join(tmpdir(), 'restore-cli-'));
});
afterAll(async () => {
  for (const name of await databases())
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
});

describe('make backup and make restore', () => {
  it('restore goes into a new database, refuses the live one, and switches only when asked', async () => {
    const backup = run('backup');
    expect(backup.output).toMatch(/✓ restore_cli_\w+-\d{8}T\d{9}Z\.dump: .* rows in \d+ tables/);
    expect(backup.code).toBe(0);

    expect(run('restore').code).toBe(1);
    const onLive = run('restore', ['--file', 'latest', '--into', live]);
    expect(onLive.output).toContain('is the live database');
    expect(onLive.code).toBe(1);

    const copy = `${live}_copy`;
    const restored = run('restore', ['--file', 'latest', '--into', copy]);
    expect(restored.output).toContain('counts equal to the backup');
    expect(restored.output).toContain(`The live database "${live}" is unchanged`);
    expect(restored.code).toBe(0);
    expect(await databases()).toEqual([live, copy]);
    expect(await examplesIn(copy)).toBe(25);

    // An existing target is never overwritten.
    const again = run('restore', ['--file', 'latest', '--into', copy]);
    expect(again.output).toContain('already exists');
    expect(again.code).toBe(1);

    // --switch with the live database in use: refused, nothing renamed, the restore kept.
    const holder = postgres(liveUrl, { max: 1, connection: { application_name: 'still-running' } });
    await holder`select 1`;
    const busy = run('restore', ['--file', 'latest', '--into', `${live}_second`, '--switch']);
    expect(busy.output).toMatch(/still has connections \(still-running ×1\): not switching/);
    expect(busy.code).toBe(1);
    await holder.end();
    expect(await databases()).toEqual([live, copy, `${live}_second`]);

    // Make the live data differ, then switch: the restored data takes the name, the old is kept.
    await admin.unsafe(`drop database "${live}_second"`);
    const sql = postgres(liveUrl, { max: 1, onnotice: () => {} });
    await sql`delete from examples`;
    await sql.end();
    const switched = run('restore', ['--file', 'latest', '--into', `${live}_new`, '--switch']);
    expect(switched.output, switched.output).toContain('switched:');
    expect(switched.code).toBe(0);
    const names = await databases();
    const before = names.find((n) => n.startsWith(`${live}_before_`));
    expect(before).toBeDefined();
    expect(await examplesIn(live)).toBe(25);
    expect(await examplesIn(before ?? '')).toBe(0);
  }, 120_000);
});
