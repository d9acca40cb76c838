import { randomBytes } from 'node:crypto';
import { freePort } from '@app/db/testing/processes';
import { resolveTestServices, withDatabase } from '@app/db/testing/services';
import { loadRootEnv } from '@app/shared/env/node';

/** Everything one `playwright test` run owns: its database, queue prefix and ports. */
export type E2eRun = {
  runId: string;
  /** Superuser URL of the server, for creating and dropping the run's database. */
  serverUrl: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  webPort: number;
  workerHealthPort: number;
};

// Playwright evaluates its config in the runner and again in every test worker; the workers
// inherit the environment, so the first evaluation decides and the others read its answer.
const RUN_KEY = 'E2E_RUN';
const state = globalThis as typeof globalThis & { __e2eStopServices?: () => Promise<void> };

export async function e2eRun(): Promise<E2eRun> {
  const existing = process.env[RUN_KEY];
  if (existing) return JSON.parse(existing) as E2eRun;

  // The same servers as the integration tests (docs/decisions/0003): TEST_DATABASE_URL and
  // TEST_REDIS_URL, else Testcontainers, else the servers in .env.
  loadRootEnv();
  const services = await resolveTestServices(process.env);
  state.__e2eStopServices = services.stop;
  const runId = randomBytes(3).toString('hex');
  const [webPort, workerHealthPort] = [await freePort(), await freePort()];
  const run: E2eRun = {
    runId,
    serverUrl: services.databaseUrl,
    databaseUrl: withDatabase(services.databaseUrl, `e2e_${runId}`),
    redisUrl: services.redisUrl,
    queuePrefix: `e2e-${runId}`,
    webPort,
    workerHealthPort,
  };
  process.env[RUN_KEY] = JSON.stringify(run);
  return run;
}

/** Stops containers this process started (no-op for servers it found running). */
export async function stopE2eServices(): Promise<void> {
  await state.__e2eStopServices?.();
}
