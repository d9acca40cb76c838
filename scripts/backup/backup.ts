// `make backup`: one backup now, exactly as the worker's scheduled `backup` job takes it (same
// code, same BACKUP_* settings, recorded in backup_runs for the dashboard), then retention.
import { createDb } from '@app/db';
import { backupSettingsFrom, errorText, recordedBackup } from '@app/worker/backups';
import { commandArgs } from '../lib/args.ts';
import { die, ok, step } from '../lib/output.ts';
import { loadBackupScriptEnv } from './env.ts';

const { values: args } = commandArgs({
  usage: 'make backup [ARGS="--no-retention"]',
  summary:
    'Back up DATABASE_URL with pg_dump -Fc into BACKUP_DIR (and S3 when BACKUP_S3_BUCKET is set), the way the worker does.',
  options: {
    'no-retention': {
      type: 'boolean',
      description:
        'keep every existing backup (by default BACKUP_KEEP_* applies, as in the worker)',
    },
  },
});

const env = loadBackupScriptEnv('backup');
const settings = backupSettingsFrom(env, env.BACKUP_CRON);
if (args['no-retention']) settings.keep = { daily: 100_000, weekly: 0 };
const db = createDb(env.DATABASE_URL, { max: 1, applicationName: 'make-backup' });
try {
  step(`pg_dump → ${settings.dir}`);
  const started = Date.now();
  const result = await recordedBackup(db.db, settings, { databaseUrl: env.DATABASE_URL });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const rows = Object.values(result.tables).reduce((a, b) => a + b, 0);
  ok(
    `${result.file}: ${(result.sizeBytes / 1e6).toFixed(1)} MB, ${rows} rows in ${Object.keys(result.tables).length} tables, ${seconds} s`,
  );
  for (const location of result.locations) console.log(`  ${location}`);
  if (result.deleted.length > 0) console.log(`  retention removed: ${result.deleted.join(', ')}`);
} catch (error) {
  die(`backup failed: ${errorText(error)}`, 'the failure is recorded; the dashboard shows it');
} finally {
  await db.close();
}
