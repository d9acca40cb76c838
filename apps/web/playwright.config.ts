import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { e2eRun } from './e2e/support/e2e-run';
import {
  findPlaywrightChromium,
  findSystemChromium,
  HOW_TO_GET_A_BROWSER,
} from './e2e/support/find-browser';
import { newestSourceMtime, nextBuildIsFresh, STAMP } from './e2e/support/next-build';

/**
 * Browser tests against a production build of the web app and a real worker, on a database and
 * queue prefix of their own (created here, dropped by e2e/global-teardown.ts). `make test-e2e`.
 */
const webDir = path.dirname(fileURLToPath(import.meta.url));

const systemChromium = findSystemChromium();
if (!systemChromium && !findPlaywrightChromium()) {
  // One line and a failure, never a silent skip.
  process.stderr.write(`✗ browser tests: ${HOW_TO_GET_A_BROWSER}\n`);
  process.exit(1);
}

const run = await e2eRun();
const webUrl = `http://127.0.0.1:${run.webPort}`;
const services = {
  DATABASE_URL: run.databaseUrl,
  REDIS_URL: run.redisUrl,
  QUEUE_PREFIX: run.queuePrefix,
  LOG_LEVEL: 'warn',
  NEXT_TELEMETRY_DISABLED: '1',
};
// Production mode requires access control (docs/security.md); the browser signs in with these.
const credentials = { username: 'e2e', password: `e2e-${run.runId}-password` };
const sourcesMtime = newestSourceMtime(webDir);
const buildFirst = process.env.E2E_REBUILD === '1' || !nextBuildIsFresh(webDir, sourcesMtime);

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  globalTeardown: './e2e/global-teardown.ts',
  // One scenario against shared servers: parallel workers would only compete for two cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI
    ? [['list'], ['github'], ['json', { outputFile: '../../test-results/playwright.json' }]]
    : 'list',
  use: {
    baseURL: webUrl,
    httpCredentials: credentials,
    browserName: 'chromium',
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(systemChromium ? { executablePath: systemChromium } : {}),
      // Root in containers needs --no-sandbox; the rest keeps a closed network quiet and fast.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  // Started in this order before the tests, stopped with SIGTERM after them.
  webServer: [
    {
      name: 'worker',
      cwd: path.resolve(webDir, '../worker'),
      // Migrating first is what the worker image does too; it also creates the run's database.
      command: 'pnpm --filter @app/worker -s migrate && pnpm exec tsx src/main.ts',
      url: `http://127.0.0.1:${run.workerHealthPort}/readyz`,
      env: {
        ...services,
        WORKER_HEALTH_PORT: String(run.workerHealthPort),
        // Small batches with a pause between them: a few thousand rows take seconds, so the
        // test can watch the progress bar move.
        IMPORT_BATCH_SIZE: '200',
        IMPORT_BATCH_DELAY_MS: '100',
      },
      timeout: 60_000,
      reuseExistingServer: false,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    },
    {
      name: 'web',
      cwd: webDir,
      // The standalone server is what the production image runs; like the image, it needs the
      // static assets copied beside it.
      command: [
        ...(buildFirst ? ['pnpm exec next build', `printf %s ${sourcesMtime} > ${STAMP}`] : []),
        'cp -R .next/static .next/standalone/apps/web/.next/',
        'cp -R public .next/standalone/apps/web/',
        'node .next/standalone/apps/web/server.js',
      ].join(' && '),
      url: `${webUrl}/api/health`,
      env: {
        ...services,
        NODE_ENV: 'production',
        HOSTNAME: '127.0.0.1',
        PORT: String(run.webPort),
        WORKER_HEALTH_URL: `http://127.0.0.1:${run.workerHealthPort}`,
        BASIC_AUTH_USER: credentials.username,
        BASIC_AUTH_PASSWORD: credentials.password,
      },
      timeout: 240_000,
      reuseExistingServer: false,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    },
  ],
});
