import { randomBytes } from 'node:crypto';
import {
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  backupRuns,
  createDb,
  type DbClient,
  // demo:start
  storeImportFile,
  // demo:end
} from '@app/db';
import { insertExamples, resetDatabase, testEnv } from '@app/db/testing';
import { desc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from './backup.ts';
import { listBackups, readMetadata } from './files.ts';
import { recordedBackup, recordedDrill } from './jobs.ts';
import { databaseName, withDatabase } from './pg-tools.ts';
import { restoreAndVerify } from './restore.ts';
import type { BackupSettings } from './settings.ts';

let databaseUrl: string;
let db: DbClient;
let dir: string;
const created: string[] = [];

beforeAll(async () => {
  databaseUrl = (await testEnv()).databaseUrl;
  db = createDb(databaseUrl, { max: 3 });
});
afterAll(async () => {
  for (const name of created)
    await db.sql.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
  await db.close();
});
beforeEach(async () => {
  await resetDatabase(db.sql);
  dir = await mkdtemp(path.join(tmpdir(), 'backup-test-'));
  return () => rm(dir, { recursive: true, force: true });
});

const settings = (overrides: Partial<BackupSettings> = {}): BackupSettings => ({
  dir,
  keep: { daily: 7, weekly: 4 },
  cron: '30 2 * * *',
  ...overrides,
});

/** Rows in the app's tables: examples (and the demo's contacts, an import with errors, a report). */
async function fillDatabase() {
  await insertExamples(db.sql, 1200);
  // demo:start
  const upload = await storeImportFile(db.db, 'a.csv', Buffer.from('email\na@example.com\n'));
  await db.sql`insert into import_errors (import_id, line, "column", message)
               select ${upload.id}, n, 'email', 'bad ' || n from generate_series(2, 40) n`;
  await db.sql`insert into reports (result, duration_ms) values ('{"totals":{}}', 3)`;
  // demo:end
}

/** Count and an order-independent hash of every row, per table, as the database sees them. */
async function tableFingerprints(url: string): Promise<Record<string, string>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ schema: string; name: string }[]>`
      select schemaname as schema, tablename as name from pg_tables
      where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2`;
    const out: Record<string, string> = {};
    for (const { schema, name } of tables) {
      const [row] = await sql<{ n: number; h: string | null }[]>`
        select count(*)::int as n, md5(string_agg(t::text, E'\n' order by t::text)) as h
        from ${sql(schema)}.${sql(name)} t`;
      out[`${schema}.${name}`] = `${row?.n}:${row?.h ?? ''}`;
    }
    return out;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

function restoreName(tag: string) {
  const name = `${databaseName(databaseUrl)}_${tag}_${randomBytes(3).toString('hex')}`;
  created.push(name);
  return name;
}

describe('backup and restore', () => {
  it('restores into a new database with every row of every table', async () => {
    await fillDatabase();
    const result = await recordedBackup(db.db, settings(), { databaseUrl });

    expect(result.file).toMatch(/^test_.*-\d{8}T\d{9}Z\.dump$/);
    expect(await readdir(dir)).toEqual([result.file, result.file.replace('.dump', '.json')].sort());
    expect(result.tables['public.examples']).toBe(1200);
    // demo:start
    expect(result.tables['public.import_errors']).toBe(39);
    // demo:end
    // The run's own row was committed before the snapshot: it is in the backup, as running.
    expect(result.tables['public.backup_runs']).toBe(1);

    const into = restoreName('restore');
    const restored = await restoreAndVerify({
      serverUrl: databaseUrl,
      file: result.path,
      into,
      keep: true,
    });
    expect(restored.tables).toEqual(result.tables);
    const live = await tableFingerprints(databaseUrl);
    const copy = await tableFingerprints(withDatabase(databaseUrl, into));
    // Everything but backup_runs, whose row finished after the snapshot, is equal byte for byte.
    const { 'public.backup_runs': _liveRuns, ...liveRest } = live;
    const { 'public.backup_runs': copyRuns, ...copyRest } = copy;
    // Every application table but backup_runs is in the comparison (the demo's too, while it is here).
    const [{ n: tables } = { n: 0 }] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_tables
      where schemaname not in ('pg_catalog', 'information_schema')`;
    expect(Object.keys(liveRest).length).toBe(tables - 1);
    expect(copyRest).toEqual(liveRest);
    expect(copyRuns).toMatch(/^1:/);

    const [row] = await db.db.select().from(backupRuns).where(eq(backupRuns.kind, 'backup'));
    expect(row).toMatchObject({
      status: 'succeeded',
      file: result.file,
      sizeBytes: (await stat(result.path)).size,
      locations: [result.path],
      intervalSeconds: 86_400,
      error: null,
    });
  });

  it('never restores over an existing database', async () => {
    const result = await runBackup({ databaseUrl, dir, keep: { daily: 1, weekly: 0 } });
    await expect(
      restoreAndVerify({
        serverUrl: databaseUrl,
        file: result.path,
        into: databaseName(databaseUrl),
        keep: true,
      }),
    ).rejects.toThrow(/already exists: a restore only goes into a new database/);
  });

  it('a pg_dump killed mid-dump leaves no complete-looking file; the next run succeeds', async () => {
    await fillDatabase();
    // ~48 MB of random hex make the dump take long enough to be killed in the middle.
    await db.sql`insert into examples (message)
                 select string_agg(md5(random()::text), '') from generate_series(1, 1500000)`;
    let killedAtBytes = -1;
    const attempt = recordedBackup(db.db, settings(), {
      databaseUrl,
      onDumpSpawn: (child) => {
        const poll = setInterval(async () => {
          const partial = (await readdir(dir)).find((f) => f.endsWith('.dump.partial'));
          const size = partial ? (await stat(path.join(dir, partial)).catch(() => null))?.size : 0;
          if (size && size > 256 * 1024) {
            clearInterval(poll);
            killedAtBytes = size;
            child.kill('SIGKILL');
          }
        }, 5);
        child.on('close', () => clearInterval(poll));
      },
    });
    await expect(attempt).rejects.toThrow(/pg_dump failed \(killed by SIGKILL\)/);
    expect(killedAtBytes).toBeGreaterThan(0);
    expect(await listBackups(dir, databaseName(databaseUrl))).toEqual([]);
    expect((await readdir(dir)).filter((f) => !f.endsWith('.partial'))).toEqual([]);
    const [failed] = await db.db.select().from(backupRuns);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/SIGKILL/) });

    // A worker killed with its pg_dump leaves the partial file behind: the next run removes it
    // once nothing has written to it for a while, and writes a good backup.
    const leftover = path.join(
      dir,
      `.${databaseName(databaseUrl)}-20260101T000000000Z.dump.partial`,
    );
    await writeFile(leftover, 'PGDMP half a dump');
    const old = new Date(Date.now() - 3600_000);
    await utimes(leftover, old, old);
    const next = await recordedBackup(db.db, settings(), { databaseUrl });
    expect(await readdir(dir)).toEqual([next.file, next.file.replace('.dump', '.json')].sort());
    const into = restoreName('afterkill');
    await restoreAndVerify({ serverUrl: databaseUrl, file: next.path, into, keep: false });
  }, 60_000);

  it('the drill restores the newest backup, checks the counts and drops its database', async () => {
    await fillDatabase();
    await recordedBackup(db.db, settings(), { databaseUrl, now: new Date(Date.now() - 60_000) });
    const newest = await recordedBackup(db.db, settings(), { databaseUrl });
    const before = await databases();
    const drill = await recordedDrill(db.db, settings(), { databaseUrl });
    expect(drill.file).toBe(newest.file);
    expect(drill.tables).toEqual(newest.tables);
    expect(await databases()).toEqual(before);
    const [row] = await db.db
      .select()
      .from(backupRuns)
      .where(eq(backupRuns.kind, 'drill'))
      .orderBy(desc(backupRuns.startedAt));
    expect(row).toMatchObject({ status: 'succeeded', file: newest.file, error: null });
  });

  it('a truncated backup fails the drill loudly, and a restore that does not match too', async () => {
    await fillDatabase();
    const result = await recordedBackup(db.db, settings(), { databaseUrl });
    const before = await databases();
    const { size } = await stat(result.path);
    await truncate(result.path, Math.floor(size / 2));
    await expect(recordedDrill(db.db, settings(), { databaseUrl })).rejects.toThrow(
      /is damaged: \d+ bytes, its metadata says \d+/,
    );
    const [row] = await db.db.select().from(backupRuns).where(eq(backupRuns.kind, 'drill'));
    expect(row).toMatchObject({ status: 'failed', file: result.file });
    expect(row?.error).toMatch(/damaged/);
    expect(await databases()).toEqual(before);

    // Truncated with metadata to match (what a checksum cannot catch): pg_restore itself fails.
    const meta = await readMetadata(result.path);
    const { createHash } = await import('node:crypto');
    const bytes = await readFile(result.path);
    const sidecar = result.path.replace('.dump', '.json');
    await writeFile(
      sidecar,
      JSON.stringify({
        ...meta,
        sizeBytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      }),
    );
    await expect(recordedDrill(db.db, settings(), { databaseUrl })).rejects.toThrow(
      /pg_restore failed \(exit 1\)/,
    );
    expect(await databases()).toEqual(before);
  });

  it('keeps exactly the daily and weekly set after 20 simulated daily runs', async () => {
    // Day 1 is Monday 2026-03-02; one backup a day at 02:30 UTC, days 1 to 20 (Sat 2026-03-21).
    const day = (n: number) => new Date(Date.UTC(2026, 2, 1 + n, 2, 30));
    for (let n = 1; n <= 20; n++) {
      await runBackup({ databaseUrl, dir, keep: { daily: 7, weekly: 4 }, now: day(n) });
    }
    const kept = (await listBackups(dir, databaseName(databaseUrl))).map((b) =>
      b.takenAt.toISOString().slice(0, 10),
    );
    expect(kept).toEqual([
      // the last 7 days, newest first (the first is also its week's newest)
      '2026-03-21',
      '2026-03-20',
      '2026-03-19',
      '2026-03-18',
      '2026-03-17',
      '2026-03-16',
      '2026-03-15',
      // 2026-03-15 is the Sunday of week 2026-03-09 (counted above), 2026-03-08 of week
      // 2026-03-02: four weeks asked, three weeks exist
      '2026-03-08',
    ]);
    // No sidecar of a deleted backup is left behind.
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toHaveLength(8);
  }, 60_000);
});

async function databases() {
  const rows = await db.sql<{ datname: string }[]>`select datname from pg_database order by 1`;
  return rows.map((r) => r.datname);
}
