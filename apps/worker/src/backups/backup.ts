import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TableCounts } from '@app/db';
import { CronExpressionParser } from 'cron-parser';
import postgres from 'postgres';
import {
  type BackupFile,
  type BackupMetadata,
  backupFileName,
  listBackups,
  partialName,
  sidecarName,
} from './files.ts';
import { connection, databaseName, type RunOptions, runTool } from './pg-tools.ts';
import { backupsToKeep, type Keep } from './retention.ts';
import { uploadBackup } from './s3.ts';
import type { S3Settings } from './settings.ts';
import { countTables } from './table-counts.ts';

export type BackupOptions = {
  /** The app database (DATABASE_URL). */
  databaseUrl: string;
  dir: string;
  keep: Keep;
  s3?: S3Settings;
  /** The clock: names the file and drives retention (tests run 20 days in a second). */
  now?: Date;
  /** pg_dump's child process, for tests that kill it mid-dump. */
  onDumpSpawn?: RunOptions['onSpawn'];
};

export type BackupResult = {
  file: string;
  path: string;
  sizeBytes: number;
  tables: TableCounts;
  locations: string[];
  deleted: string[];
};

// A partial file nobody has written to for this long belongs to a run that died (a killed worker
// or container); pg_dump writes continuously, so a live run's file is always fresher.
const STALE_PARTIAL_MS = 5 * 60_000;

/**
 * One backup: pg_dump -Fc inside a REPEATABLE READ snapshot whose per-table row counts are
 * recorded beside the file, written under a temporary name, checked with `pg_restore --list`, and
 * renamed to its final name only then; then the retention set is applied. A run that dies at any
 * point leaves at most a `.partial` file, which no reader takes for a backup.
 */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const now = options.now ?? new Date();
  const database = databaseName(options.databaseUrl);
  const file = backupFileName(database, now);
  const finalPath = path.join(options.dir, file);
  const partial = path.join(options.dir, partialName(file));
  const sidecarPartial = path.join(options.dir, partialName(sidecarName(file)));
  await mkdir(options.dir, { recursive: true });
  await removeStalePartials(options.dir, database, now);

  let metadata: BackupMetadata;
  try {
    const { tables, version } = await dumpInSnapshot(options, partial);
    // The table of contents is readable only when pg_dump wrote it whole.
    const { env } = connection(options.databaseUrl);
    const { stdout } = await runTool('pg_restore', ['--list', partial], env);
    if (!/TABLE DATA/.test(stdout) && Object.values(tables).some((n) => n > 0))
      throw new Error('pg_restore --list shows no table data although the tables have rows');
    await syncFile(partial);
    const sizeBytes = (await stat(partial)).size;
    metadata = {
      version: 1,
      file,
      database,
      takenAt: now.toISOString(),
      sizeBytes,
      sha256: await sha256(partial),
      pgDump: version,
      tables,
    };
    await writeFile(sidecarPartial, `${JSON.stringify(metadata, null, 2)}\n`);
    await syncFile(sidecarPartial);
    // The sidecar first: a file named like a backup always has its metadata beside it.
    await rename(sidecarPartial, path.join(options.dir, sidecarName(file)));
    await rename(partial, finalPath);
    await syncFile(options.dir);
  } catch (error) {
    await unlink(partial).catch(() => {});
    await unlink(sidecarPartial).catch(() => {});
    throw error;
  }

  const locations = [finalPath];
  if (options.s3) locations.push(await uploadBackup(options.s3, finalPath));
  const deleted = await applyRetention(options.dir, database, options.keep, file);
  const { sizeBytes, tables } = metadata;
  return { file, path: finalPath, sizeBytes, tables, locations, deleted };
}

/**
 * Counts every table and runs pg_dump in one exported snapshot, so the recorded counts are those
 * of the data in the file, exactly. The transaction stays open (read only) until pg_dump is done.
 */
async function dumpInSnapshot(
  options: BackupOptions,
  target: string,
): Promise<{ tables: TableCounts; version: string }> {
  const sql = postgres(options.databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: 'backup' },
  });
  try {
    return await sql.begin('isolation level repeatable read read only', async (tx) => {
      const [exported] = await tx<{ id: string; version: string }[]>`
        select pg_export_snapshot() as id, current_setting('server_version') as version`;
      if (!exported) throw new Error('pg_export_snapshot() returned nothing');
      const tables = await countTables(tx);
      const { dbname, env } = connection(options.databaseUrl);
      await runTool(
        'pg_dump',
        [
          `--dbname=${dbname}`,
          '--format=custom',
          `--snapshot=${exported.id}`,
          '--no-password',
          `--file=${target}`,
        ],
        env,
        options.onDumpSpawn ? { onSpawn: options.onDumpSpawn } : {},
      );
      return { tables, version: exported.version };
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function removeStalePartials(dir: string, database: string, now: Date) {
  for (const name of await readdir(dir)) {
    if (!name.startsWith(`.${database}-`) || !name.endsWith('.partial')) continue;
    const file = path.join(dir, name);
    const { mtimeMs } = await stat(file);
    if (now.getTime() - mtimeMs > STALE_PARTIAL_MS && Date.now() - mtimeMs > STALE_PARTIAL_MS)
      await unlink(file).catch(() => {});
  }
}

/** Deletes every backup (and its sidecar) of `database` outside the retention set. */
export async function applyRetention(
  dir: string,
  database: string,
  keep: Keep,
  newest: string,
): Promise<string[]> {
  const backups = await listBackups(dir, database);
  const kept = backupsToKeep(backups, keep);
  const deleted: BackupFile[] = backups.filter((b) => !kept.has(b) && b.file !== newest);
  for (const backup of deleted) {
    await unlink(backup.path).catch(() => {});
    await unlink(sidecarName(backup.path)).catch(() => {});
  }
  return deleted.map((b) => b.file);
}

/** The schedule's interval in seconds (the gap between its next two runs); null when off. */
export function scheduleIntervalSeconds(cron: string, now = new Date()): number | null {
  if (cron === 'off') return null;
  try {
    const next = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: now });
    const first = next.next().getTime();
    const second = next.next().getTime();
    return Math.round((second - first) / 1000);
  } catch {
    return null;
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** fsync, so a rename never makes a name point at data still only in the page cache. */
async function syncFile(file: string) {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
