import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TableCounts } from '@app/db';
import postgres from 'postgres';
import { type BackupMetadata, readMetadata } from './files.ts';
import { connection, type RunOptions, runTool, withDatabase } from './pg-tools.ts';
import { compareCounts, countTables } from './table-counts.ts';

export class RestoreCheckError extends Error {}

export type RestoreOptions = {
  /** Any URL on the server to restore to (the app's DATABASE_URL); its database is untouched. */
  serverUrl: string;
  /** The backup's `.dump` file; its `.json` sidecar must be beside it. */
  file: string;
  /** The new database; it must not exist (a restore never overwrites one). */
  into: string;
  /** Keep the database after a verified restore (make restore), or drop it (the drill). */
  keep: boolean;
  onRestoreSpawn?: RunOptions['onSpawn'];
};

export type RestoreResult = {
  database: string;
  url: string;
  metadata: BackupMetadata;
  tables: TableCounts;
};

/**
 * Restores a backup into a new database and proves it: the file's size and SHA-256 match its
 * metadata, pg_restore finishes without an error, and every table has the rows it had in the
 * backup's snapshot. On any failure the new database is dropped and the error says what differed.
 */
export async function restoreAndVerify(options: RestoreOptions): Promise<RestoreResult> {
  const metadata = await readMetadata(options.file);
  const size = (await stat(options.file)).size;
  const name = path.basename(options.file);
  if (size !== metadata.sizeBytes)
    throw new RestoreCheckError(
      `${name} is damaged: ${size} bytes, its metadata says ${metadata.sizeBytes} (truncated or overwritten)`,
    );
  const hash = createHash('sha256');
  await pipeline(createReadStream(options.file), hash);
  if (hash.digest('hex') !== metadata.sha256)
    throw new RestoreCheckError(`${name} is damaged: its SHA-256 differs from its metadata`);

  const admin = postgres(options.serverUrl, { max: 1, onnotice: () => {} });
  const url = withDatabase(options.serverUrl, options.into);
  let created = false;
  let verified = false;
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${options.into}`;
    if (exists)
      throw new RestoreCheckError(
        `database "${options.into}" already exists: a restore only goes into a new database`,
      );
    await admin.unsafe(`create database ${quoteIdent(options.into)}`);
    created = true;
    const { dbname, env } = connection(url);
    await runTool(
      'pg_restore',
      [
        `--dbname=${dbname}`,
        '--no-owner',
        '--no-privileges',
        '--exit-on-error',
        '--no-password',
        options.file,
      ],
      env,
      options.onRestoreSpawn ? { onSpawn: options.onRestoreSpawn } : {},
    );
    const restored = postgres(url, { max: 1, onnotice: () => {} });
    let tables: TableCounts;
    try {
      tables = await countTables(restored);
    } finally {
      await restored.end({ timeout: 5 });
    }
    const differences = compareCounts(metadata.tables, tables);
    if (differences.length > 0)
      throw new RestoreCheckError(`restored row counts differ: ${differences.join('; ')}`);
    verified = true;
    return { database: options.into, url, metadata, tables };
  } finally {
    if (created && (!verified || !options.keep))
      await admin
        .unsafe(`drop database if exists ${quoteIdent(options.into)} with (force)`)
        .catch(() => {});
    await admin.end({ timeout: 5 });
  }
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
