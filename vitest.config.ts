import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const sources = ['apps/*/src/**', 'db/**', 'scripts/**'];
const ignored = ['**/node_modules/**', '**/.next/**', '**/dist/**'];
// Real Postgres and Redis: found (or started) once per run by the global setups.
const integration = {
  exclude: ignored,
  environment: 'node',
  globalSetup: ['scripts/lib/test-env.global-setup.ts', 'db/testing/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
  // Separate processes: tests spawn and kill workers, and a crash must not take others down.
  pool: 'forks',
} as const;
// Issue 16: the import, retry, cancel, report and failed-job tests again, with DATABASE_URL through
// a PgBouncer in pool_mode=transaction that the run starts itself (decision 0105).
const throughPgBouncer = [
  'apps/worker/src/jobs/handlers/example-process.int.test.ts',
  'apps/web/src/app/api/jobs/failed/examples.int.test.ts',
  // demo:start
  'apps/shared/src/imports/run.int.test.ts',
  'apps/worker/src/jobs/handlers/contacts-import.int.test.ts',
  'apps/worker/src/jobs/handlers/contacts-import-files.int.test.ts',
  'apps/worker/src/jobs/handlers/contacts-report.int.test.ts',
  'apps/web/src/app/api/imports/route.int.test.ts',
  'apps/web/src/app/api/jobs/failed/route.int.test.ts',
  // demo:end
];

export default defineConfig({
  // The web app's `@/…` imports, for tests that call its route handlers directly.
  resolve: { alias: { '@': fileURLToPath(new URL('./apps/web/src', import.meta.url)) } },
  test: {
    // CI also writes a machine-readable result, summed up by .ci/run's last line. The file is set
    // here, not in the reporter's options, so `--outputFile.json=…` can give another run its own.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: sources.map((dir) => `${dir}/*.test.ts`),
          exclude: [...ignored, '**/*.int.test.ts', '**/*.docker.test.ts', '**/*.copy.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          ...integration,
          name: 'integration',
          include: sources.map((dir) => `${dir}/*.int.test.ts`),
        },
      },
      {
        extends: true,
        test: {
          ...integration,
          name: 'integration-pgbouncer',
          include: throughPgBouncer,
          // The global setup reads the first; the web's env module the second, as in production.
          env: { TEST_DATABASE_POOL: 'transaction', DATABASE_POOL_MODE: 'transaction' },
        },
      },
      {
        // `make test-adopt`: the adoption commands in a copy of the repository, then the copy's
        // own `make check` and `make up` (minutes: .ci/run runs it after `make test`).
        extends: true,
        test: {
          name: 'adopt',
          include: ['scripts/adopt/**/*.copy.test.ts'],
          exclude: ignored,
          environment: 'node',
          testTimeout: 1_800_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      {
        // `make test-docker`: the real engine, images, compose files and devcontainer. One file
        // at a time: they share the engine, and builds already use both cores.
        extends: true,
        test: {
          name: 'docker',
          include: ['scripts/docker/**/*.docker.test.ts'],
          exclude: ignored,
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 900_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
