import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  countArchiveItems,
  dumpDatabase,
  firstDifference,
  restoreDatabase,
  schemaDump,
} from './pg-tools.ts';
import {
  adminUrl,
  compareFingerprints,
  connect,
  connectSource,
  databaseState,
  type Fingerprint,
  fingerprint,
  MARKER,
} from './postgres-inspect.ts';
import { createProgress, formatBytes } from './progress.ts';
import { databaseName, maskUrl, withDatabase } from './urls.ts';

export class VerificationError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Where a run restores before the rename; a fixed name, so a rerun finds what a killed run left. */
export function stagingName(target: string): string {
  const suffix = '_impl2_staging';
  return `${Buffer.from(target)
    .subarray(0, 63 - suffix.length)
    .toString()}${suffix}`;
}

export type PostgresCopyResult = {
  tables: number;
  rows: number;
  sequences: number;
  migrations: number;
  dumpBytes: number;
  items: number;
  keptAs?: string;
  timings: { dump: number; restore: number; verify: number };
};

/**
 * Copies the source database into the target through a staging database:
 *   dump (inside one read-only snapshot, which the source fingerprint also reads) → restore into
 *   `<target>_impl2_staging` → fingerprint + schema dump compared → rename to the target.
 * A run killed anywhere leaves at most the staging database, which the next run drops and redoes;
 * the target only ever appears complete and verified.
 */
export async function copyPostgres(options: {
  sourceUrl: string;
  targetUrl: string;
  jobs: number;
  force: boolean;
}): Promise<PostgresCopyResult> {
  const { sourceUrl, targetUrl } = options;
  const targetName = databaseName(targetUrl);
  const staging = stagingName(targetName);
  const stagingUrl = withDatabase(targetUrl, staging);
  const admin = connect(adminUrl(targetUrl));
  // A fixed place per target, so a rerun also removes the dump a killed run left behind.
  const workDir = path.join(tmpdir(), `migrate-from-impl2-${staging}`);
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const dumpFile = path.join(workDir, 'source.dump');
  const source = connectSource(sourceUrl);
  try {
    await prepareStaging(admin, staging, sourceUrl);

    // 1. Dump and fingerprint the source in one snapshot: equal even while the VM's apps write.
    let started = Date.now();
    const dumped = createProgress('dumped');
    let dumpBytes = 0;
    const { sourcePrint, sourceSchema } = await source.begin(
      'isolation level repeatable read read only',
      async (tx) => {
        const [row] = await tx<{ id: string }[]>`select pg_export_snapshot() as id`;
        const snapshot = row?.id ?? '';
        const dump = dumpDatabase({
          url: sourceUrl,
          file: dumpFile,
          snapshot,
          onBytes: (bytes) => {
            dumpBytes = bytes;
            dumped.update(bytes, undefined);
          },
        });
        // Hashing runs beside pg_dump; both read the same snapshot.
        const [sourcePrint] = await Promise.all([fingerprint(tx), dump]);
        const sourceSchema = await schemaDump(sourceUrl, snapshot);
        return { sourcePrint, sourceSchema };
      },
    );
    dumped.end(`${formatBytes(dumpBytes)} (pg_dump -Fc)`);
    const dumpSeconds = (Date.now() - started) / 1000;

    // 2. Restore into staging.
    started = Date.now();
    const items = await countArchiveItems(dumpFile);
    const restored = createProgress('restored');
    console.log(`  restoring into staging database ${staging} (${items} objects)`);
    await restoreDatabase({
      url: stagingUrl,
      file: dumpFile,
      jobs: options.jobs,
      onItem: (n) => restored.update(n, items),
    });
    restored.end(`${items}/${items} objects`);
    const restoreSeconds = (Date.now() - started) / 1000;

    // 3. Verify before anything is renamed.
    started = Date.now();
    const targetPrint = await withConnection(stagingUrl, async (sql) => {
      // Fresh statistics: the restored database would otherwise be planned as if empty.
      await sql`analyze`;
      return fingerprint(sql);
    });
    const problems = compareFingerprints(sourcePrint, targetPrint);
    const targetSchema = await schemaDump(stagingUrl);
    if (targetSchema !== sourceSchema) {
      problems.push(
        `schema dumps differ; first difference: ${firstDifference(sourceSchema, targetSchema)}`,
      );
    }
    if (problems.length > 0) throw new VerificationError(problems);
    const verifySeconds = (Date.now() - started) / 1000;

    const keptAs = await swapIntoPlace(admin, {
      staging,
      targetUrl,
      force: options.force,
      sourceUrl,
    });
    return {
      ...summarise(sourcePrint),
      dumpBytes,
      items,
      ...(keptAs ? { keptAs } : {}),
      timings: { dump: dumpSeconds, restore: restoreSeconds, verify: verifySeconds },
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    await source.end({ timeout: 2 });
    await admin.end({ timeout: 2 });
  }
}

function summarise(print: Fingerprint) {
  return {
    tables: print.tables.length,
    rows: print.tables.reduce((sum, t) => sum + t.rows, 0),
    sequences: print.sequences.length,
    migrations: print.migrations.count,
  };
}

async function withConnection<T>(
  url: string,
  use: (sql: ReturnType<typeof connect>) => Promise<T>,
) {
  const sql = connect(url);
  try {
    return await use(sql);
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** Drops what an earlier, interrupted run left, then creates an empty staging database. */
async function prepareStaging(
  admin: ReturnType<typeof connect>,
  staging: string,
  sourceUrl: string,
) {
  const [existing] = await admin<{ comment: string | null }[]>`
    select shobj_description(oid, 'pg_database') as comment from pg_database where datname = ${staging}`;
  if (existing && !existing.comment?.startsWith(MARKER)) {
    throw new VerificationError([
      `a database named ${staging} exists and was not made by this tool; rename or drop it first`,
    ]);
  }
  if (existing) {
    console.log(`  dropping ${staging}, left by an interrupted run`);
    await admin.unsafe(`drop database ${quoteIdent(staging)} with (force)`);
  }
  // template0: a pristine database, so extensions added to template1 cannot clash with the dump.
  await admin.unsafe(`create database ${quoteIdent(staging)} template template0 encoding 'UTF8'`);
  await admin.unsafe(
    `comment on database ${quoteIdent(staging)} is ${quoteLiteral(`${MARKER} staging copy of ${maskUrl(sourceUrl)}, started ${new Date().toISOString()}`)}`,
  );
}

/**
 * Puts the verified staging database in place of the target. What was there: nothing, an empty
 * database, or a copy an earlier run made are replaced; real data (only with --force) is kept
 * under a new name and reported.
 */
async function swapIntoPlace(
  admin: ReturnType<typeof connect>,
  options: { staging: string; targetUrl: string; force: boolean; sourceUrl: string },
): Promise<string | undefined> {
  const { staging, targetUrl } = options;
  const targetName = databaseName(targetUrl);
  // Looked at again: the plan was made minutes ago and someone may have run `make up` since.
  const current = await databaseState(admin, targetUrl);
  let keptAs: string | undefined;
  if (current.exists && !current.ours && current.tables.length > 0) {
    if (!options.force) {
      throw new VerificationError([
        `the target database ${targetName} got tables during the copy (${current.tables.join(', ')}); run again`,
      ]);
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    keptAs = `${targetName.slice(0, 40)}_before_impl2_${stamp}`;
    await admin.unsafe(`alter database ${quoteIdent(targetName)} rename to ${quoteIdent(keptAs)}`);
  } else if (current.exists) {
    // Empty, or a copy an earlier run made: nothing of the developer's is lost.
    await admin.unsafe(`drop database ${quoteIdent(targetName)} with (force)`);
  }
  await admin.unsafe(`alter database ${quoteIdent(staging)} rename to ${quoteIdent(targetName)}`);
  await admin.unsafe(
    `comment on database ${quoteIdent(targetName)} is ${quoteLiteral(`${MARKER} verified copy of ${maskUrl(options.sourceUrl)}, ${new Date().toISOString()}`)}`,
  );
  return keptAs;
}
