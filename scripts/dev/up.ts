// `make up`: services → migrations → web and worker in the foreground. `make dev` skips the first
// two (`--apps-only`); `make services` stops after migrating (`--no-apps`).
import { describeDbError } from '@app/db';
import { runMigrations } from '@app/db/migrate';
import { sessionDatabaseUrl } from '@app/shared/env';
import { commandArgs } from '../lib/args.ts';
import { ensureServices } from '../lib/ensure-services.ts';
import { loadScriptsEnv } from '../lib/env.ts';
import { die, ok, step } from '../lib/output.ts';
import { runApps } from './run-apps.ts';

const { values: args } = commandArgs({
  usage: 'make up | make dev | make services',
  summary: 'Start Postgres and Redis, migrate, then run web and worker in the foreground.',
  options: {
    'apps-only': { type: 'boolean', description: 'skip services and migrations (make dev)' },
    'no-apps': { type: 'boolean', description: 'stop after migrating (make services)' },
  },
});
const env = loadScriptsEnv('up');

if (!args['apps-only']) {
  await ensureServices(env);
  step('applying database migrations');
  try {
    const result = await runMigrations(sessionDatabaseUrl(env));
    const created = result.createdDatabase ? 'created the database; ' : '';
    ok(`${created}${result.applied} migration(s) applied`);
  } catch (error) {
    die(`migrations failed: ${describeDbError(error)}`, 'run `make doctor` to see what is wrong');
  }
}

if (!args['no-apps']) {
  step(`starting web (http://localhost:${env.PORT}) and worker; Ctrl-C stops both`);
  await runApps({
    port: env.PORT,
    healthUrls: [
      `http://localhost:${env.PORT}/api/health`,
      `http://127.0.0.1:${env.WORKER_HEALTH_PORT}/readyz`,
    ],
  });
}
