// `make bench-backup`: how long a backup (the worker's `backup` job: pg_dump -Fc in a snapshot
// with row counts, pg_restore --list, SHA-256, rename) and a restore drill (`backup.verify`:
// restore into a scratch database, count every table, drop it) take, for the seeded app database
// (`make seed`) and for the ~1 GB database of bench-migrate's generator. Everything lives under
// unique names on the Postgres from .env and a temporary folder, removed at the end.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb } from '@app/db';
import { runMigrations } from '@app/db/migrate';
// demo:start
import { seed } from '@app/db/seed';
// demo:end
import {
  recordedBackup,
  recordedDrill,
  restoreAndVerify,
  runBackup,
  withDatabase,
} from '@app/worker/backups';
import postgres from 'postgres';
import { commandArgs } from '../lib/args.ts';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, ok, step } from '../lib/output.ts';
import { formatBytes } from '../migrate-from-impl2/progress.ts';
import { generateEventsDatabase } from './lib.ts';

const { values: args } = commandArgs({
  usage: 'make bench-backup [ARGS="--mb 1000 --runs 3"]',
  summary: 'Time a backup and a restore drill for the seeded database and a generated one.',
  options: {
    mb: {
      type: 'number',
      min: 0,
      max: 20_000,
      default: 1000,
      description: 'generated database size in MB (0: skip)',
    },
    runs: {
      type: 'number',
      min: 1,
      max: 20,
      default: 3,
      description: 'runs per case on the seeded database',
    },
  },
});

const env = loadScriptsEnv('bench-backup');
const id = randomBytes(3).toString('hex');
const names = { seeded: `bench_backup_${id}_seeded`, big: `bench_backup_${id}_big` };
const admin = postgres(withDatabase(env.DATABASE_URL, 'postgres'), { max: 1, onnotice: () => {} });
const dir = await mkdtemp(path.join(tmpdir(), 'bench-backup-'));
const keep = { daily: 100, weekly: 0 };

async function cleanup() {
  for (const name of Object.values(names))
    await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
  await admin.end({ timeout: 2 });
  await rm(dir, { recursive: true, force: true });
}
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const rows: string[] = [];

try {
  step(`seeded database: migrate, seed (as make seed), then ${args.runs} backups and drills`);
  const seededUrl = withDatabase(env.DATABASE_URL, names.seeded);
  await runMigrations(seededUrl);
  const db = createDb(seededUrl, { max: 1 });
  try {
    // demo:start
    await seed(db.db);
    // demo:end
    const settings = { dir, keep, cron: '30 2 * * *' };
    const backups: number[] = [];
    const drills: number[] = [];
    let size = 0;
    for (let run = 0; run < args.runs; run++) {
      const [made, b] = await timed(() =>
        recordedBackup(db.db, settings, { databaseUrl: seededUrl }),
      );
      const [, d] = await timed(() => recordedDrill(db.db, settings, { databaseUrl: seededUrl }));
      backups.push(b);
      drills.push(d);
      size = made.sizeBytes;
    }
    const [sized] = await db.sql<{ s: string }[]>`
      select pg_database_size(current_database())::text as s`;
    const dbSize = sized?.s;
    rows.push(
      `| seeded (\`make seed\`, ${formatBytes(Number(dbSize))} database) | ${formatBytes(size)} | ${median(backups).toFixed(2)} s (${backups.map((x) => x.toFixed(2)).join(', ')}) | ${median(drills).toFixed(2)} s (${drills.map((x) => x.toFixed(2)).join(', ')}) |`,
    );
    ok(rows.at(-1) ?? '');
  } finally {
    await db.close();
  }

  if (args.mb > 0) {
    step(`generating ${args.mb} MB in ${names.big} (bench-migrate's generator)`);
    await admin.unsafe(`create database "${names.big}"`);
    const bigUrl = withDatabase(env.DATABASE_URL, names.big);
    const [generated, g] = await timed(() => generateEventsDatabase(bigUrl, args.mb));
    ok(
      `generated ${formatBytes(Number(generated.size))} (${generated.rows} events) in ${g.toFixed(0)} s`,
    );
    step('backup (pg_dump -Fc in a snapshot, counts, pg_restore --list, SHA-256)');
    const [made, b] = await timed(() => runBackup({ databaseUrl: bigUrl, dir, keep }));
    ok(`backup ${formatBytes(made.sizeBytes)} in ${b.toFixed(1)} s`);
    step('drill (restore into a scratch database, count every table, drop it)');
    const [, d] = await timed(() =>
      restoreAndVerify({
        serverUrl: bigUrl,
        file: made.path,
        into: `${names.big}_drill`,
        keep: false,
      }),
    );
    ok(`drill in ${d.toFixed(1)} s`);
    rows.push(
      `| generated (${formatBytes(Number(generated.size))}, ${Number(generated.rows).toLocaleString('en-US')} events) | ${formatBytes(made.sizeBytes)} | ${b.toFixed(1)} s | ${d.toFixed(1)} s |`,
    );
  }
  console.log(
    `\n${bold('| database | backup file | backup | drill |')}\n| --- | --- | --- | --- |`,
  );
  for (const row of rows) console.log(row);
} finally {
  await cleanup();
}
