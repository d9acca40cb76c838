// `make restore FILE=… [INTO=name] [ARGS=--switch]`: restores a backup into a NEW database and
// verifies it (size and SHA-256 against the metadata, pg_restore without errors, every table's row
// count as at backup time). The live database is never touched unless --switch is given, and even
// then only by renaming: the live one is kept under another name, nothing is dropped.
import path from 'node:path';
import {
  databaseName,
  errorText,
  listBackups,
  quoteIdent,
  restoreAndVerify,
  withDatabase,
} from '@app/worker/backups';
import postgres from 'postgres';
import { commandArgs } from '../lib/args.ts';
import { bold, die, ok, step, warn } from '../lib/output.ts';
import { loadBackupScriptEnv } from './env.ts';

const { values: args } = commandArgs({
  usage: 'make restore FILE=<backup.dump|latest> [INTO=new-db-name] [ARGS="--switch"]',
  summary:
    'Restore a backup into a new database on the DATABASE_URL server and verify it; switch to it only with --switch.',
  options: {
    file: {
      type: 'string',
      placeholder: 'PATH',
      description: 'the .dump file (its .json beside it), or "latest" for the newest in BACKUP_DIR',
    },
    into: {
      type: 'string',
      placeholder: 'NAME',
      description: 'the new database (must not exist); default <database>_restored_<time>',
    },
    switch: {
      type: 'boolean',
      description:
        'after a verified restore, rename the live database to <database>_before_<time> and the restored one to <database> (stop web and worker first)',
    },
  },
});

const env = loadBackupScriptEnv('restore');
const live = databaseName(env.DATABASE_URL);
if (!args.file)
  die('which backup? FILE=<path to .dump> or FILE=latest', `backups are in ${env.BACKUP_DIR}`);
let file = args.file;
if (file === 'latest') {
  const [newest] = await listBackups(env.BACKUP_DIR, live);
  if (!newest) die(`no backup of "${live}" in ${env.BACKUP_DIR}`, 'make backup takes one');
  file = newest.path;
}
file = path.resolve(file);
const time = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const into = args.into ?? `${live}_restored_${time}`;
if (into === live) die(`INTO=${into} is the live database: a restore only goes into a new one`);

step(`restoring ${path.basename(file)} into a new database "${into}"`);
const started = Date.now();
let restoredUrl: string;
try {
  const result = await restoreAndVerify({ serverUrl: env.DATABASE_URL, file, into, keep: true });
  restoredUrl = result.url;
  const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
  ok(
    `verified: ${Object.keys(result.tables).length} tables, ${rows} rows, counts equal to the backup's (taken ${result.metadata.takenAt}), ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  die(`restore failed: ${errorText(error)}`, `nothing was changed; "${into}" was removed again`);
}

if (!args.switch) {
  const shown = new URL(restoredUrl);
  if (shown.password) shown.password = '***';
  console.log(`\nThe live database "${live}" is unchanged. To use the restored one, either`);
  console.log(`  set ${bold(`DATABASE_URL=${shown.toString()}`)} for web and worker, or`);
  console.log(
    `  stop web and worker, then: make restore FILE=${args.file} INTO=<another new name> ARGS=--switch`,
  );
  process.exit(0);
}

// ALTER DATABASE … RENAME needs the database to have no other sessions: that is the check that
// web and worker are stopped. Connected from the maintenance database, never the live one.
const admin = postgres(withDatabase(env.DATABASE_URL, 'postgres'), { max: 1, onnotice: () => {} });
try {
  const sessions = await admin<{ application_name: string; n: number }[]>`
    select application_name, count(*)::int as n from pg_stat_activity
    where datname = ${live} and pid <> pg_backend_pid() group by 1`;
  if (sessions.length > 0) {
    const who = sessions.map((s) => `${s.application_name || 'unnamed'} ×${s.n}`).join(', ');
    die(
      `"${live}" still has connections (${who}): not switching`,
      `stop web and worker, then rename by hand or run this again; "${into}" is kept and verified`,
    );
  }
  const before = `${live}_before_${time}`;
  await admin.unsafe(`alter database ${quoteIdent(live)} rename to ${quoteIdent(before)}`);
  await admin.unsafe(`alter database ${quoteIdent(into)} rename to ${quoteIdent(live)}`);
  ok(`switched: "${live}" is now the restored data; the previous one is kept as "${before}"`);
  warn(
    'start web and worker again; the migrator applies any migrations newer than the backup',
    `drop "${before}" once you are sure: make psql, then DROP DATABASE "${before}";`,
  );
} finally {
  await admin.end({ timeout: 2 });
}
