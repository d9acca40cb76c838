import { createDb, type DbClient } from '@app/db';
import { type TestEnv, testEnv, uniquePrefix } from '@app/db/testing';
import { startInProcessWorker } from '@app/worker/testing';
import { vi } from 'vitest';

// What every failed-jobs API test needs: the web's env stubbed onto the test services (so the
// routes' own services connect there), a real job runtime, and the three routes, imported only
// after the stubs so their modules read them.
export type FailedJobsApi = {
  env: TestEnv;
  db: DbClient;
  worker: ReturnType<typeof startInProcessWorker>;
  list: typeof import('./route');
  retry: typeof import('./retry/route');
  discard: typeof import('./discard/route');
  stop: () => Promise<void>;
};

export async function startFailedJobsApi(name: string): Promise<FailedJobsApi> {
  const base = await testEnv();
  const env = { ...base, prefix: await uniquePrefix(name) };
  vi.stubEnv('DATABASE_URL', env.databaseUrl);
  vi.stubEnv('REDIS_URL', env.redisUrl);
  vi.stubEnv('QUEUE_PREFIX', env.prefix);
  vi.stubEnv('LOG_LEVEL', 'silent');
  const db = createDb(env.databaseUrl, { max: 2, poolMode: env.poolMode });
  const worker = startInProcessWorker(env);
  return {
    env,
    db,
    worker,
    list: await import('./route'),
    retry: await import('./retry/route'),
    discard: await import('./discard/route'),
    stop: async () => {
      await worker.stop();
      await db.close();
      const { closeServices } = await import('@/server/services.server');
      await closeServices();
    },
  };
}

/** POSTs a JSON body to the retry or discard route, as the dashboard's buttons do. */
export async function postAction(
  action: FailedJobsApi['retry'] | FailedJobsApi['discard'],
  body: unknown,
) {
  const response = await action.POST(
    new Request('http://localhost/api/jobs/failed/x', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
    undefined,
  );
  return { status: response.status, body: await response.json() };
}
