import { freePort, type NodeProcess } from '@app/db/testing/processes';
import {
  type SpawnedWorker,
  spawnWorkerBundle,
  waitUntilReady,
} from '@app/worker/testing/spawn-worker';
import {
  type StagedWeb,
  stageStandaloneWeb,
  startWeb,
  type WebServer,
  waitForHealthy,
} from './standalone-server';

/**
 * The production app as a user's server runs it, for integration tests that go through the front
 * door: Next's standalone `server.js` (staged outside the repository like the image) and the
 * worker bundle `dist/main.js`, each built only when its sources changed, with production auth,
 * on free ports, against the test's own database and a fresh Redis prefix.
 *
 *   import { testEnv } from '@app/db/testing';
 *   import { startProductionApp } from '@app/web/testing/production-app';
 *
 *   let app: ProductionApp;
 *   beforeAll(async () => { app = await startProductionApp(await testEnv(), { env: { … } }); });
 *   afterAll(() => app?.stop());
 *
 *   const response = await app.fetch('/api/imports', { method: 'POST', body: form });
 *   expect(app.output()).not.toMatch(STACK_TRACE);      // both processes' stdout + stderr
 *   app.worker.child.kill('SIGKILL'); await app.restartWorker();
 *
 * `app.fetch` adds the Basic credentials and the Origin header writes need; use plain `fetch`
 * with `app.url` to test what an anonymous client gets. Only HTTP and signals: a test that also
 * reads the database uses `testEnv().databaseUrl` itself. Files in one vitest worker share the
 * database (reset what you count on); the queue prefix is the app's own.
 */

export type ProductionAppOptions = {
  /** Extra variables for both processes (e.g. IMPORT_MAX_BYTES, LOG_LEVEL). */
  env?: Record<string, string>;
  webEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** false: the web server alone (no jobs are processed). */
  worker?: boolean;
  /**
   * More worker processes beside the first, on the same database and prefix, each with its own
   * health port: scaled-out workers (the web's WORKER_HEALTH_URL names the first).
   */
  extraWorkers?: number;
};

export type ProductionApp = {
  url: string;
  web: WebServer;
  /** Undefined when started with `worker: false`, or after stopWorker(). */
  worker: SpawnedWorker | undefined;
  /** The `extraWorkers`, in start order (a killed one stays listed; stop() stops the rest). */
  extraWorkers: SpawnedWorker[];
  credentials: { user: string; password: string };
  /** The QUEUE_PREFIX both processes use. */
  prefix: string;
  /** fetch on the app's URL with the operator's credentials and the app's Origin. */
  fetch: (pathname: string, init?: RequestInit) => Promise<Response>;
  /** Everything both processes printed so far (web first, then worker). */
  output: () => string;
  webOutput: () => string;
  /** Every worker run's output so far, in order (restarts included). */
  workerOutput: () => string;
  /** Starts a worker (again, after a crash or kill) and waits until it is ready. */
  restartWorker: () => Promise<SpawnedWorker>;
  /** SIGTERM (or `signal`), then waits for the exit; resolves with the exit code or signal. */
  stopWorker: (signal?: NodeJS.Signals) => Promise<number | string | undefined>;
  stopWeb: (signal?: NodeJS.Signals) => Promise<number | string>;
  /** Stops both (SIGTERM) and removes the staged server. Safe to call twice. */
  stop: () => Promise<void>;
};

type Services = { databaseUrl: string; redisUrl: string; prefix: string };

let suffix = 0;

// One staged copy of the standalone output per test process, shared by the apps it starts (a
// second app with other settings then costs only the server's start), removed with the last.
let staging: { staged: Promise<StagedWeb>; users: number } | undefined;

function acquireStaged(): Promise<StagedWeb> {
  if (!staging) {
    const staged = stageStandaloneWeb();
    staging = { staged, users: 0 };
    // A failed build is not cached: the next app tries again.
    staged.catch(() => {
      staging = undefined;
    });
  }
  staging.users++;
  return staging.staged;
}

async function releaseStaged(): Promise<void> {
  if (!staging) return;
  staging.users--;
  if (staging.users > 0) return;
  const { staged } = staging;
  staging = undefined;
  await (await staged).remove();
}

export async function startProductionApp(
  services: Services,
  options: ProductionAppOptions = {},
): Promise<ProductionApp> {
  const credentials = { user: 'operator', password: 'production-test-password' };
  const prefix = `${services.prefix}-app${process.pid}-${suffix++}`;
  const common = {
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    QUEUE_PREFIX: prefix,
    LOG_FORMAT: 'json',
    ...options.env,
  };
  // One health port for every worker run, so the web's WORKER_HEALTH_URL stays right.
  const workerPort = await freePort();
  const spawnWorker = (port = workerPort) =>
    spawnWorkerBundle({
      ...common,
      ...options.workerEnv,
      WORKER_HEALTH_PORT: String(port),
    });
  const [staged, firstWorker] = await Promise.all([
    acquireStaged(),
    options.worker === false ? undefined : spawnWorker(),
  ]);
  // After the first: it built the bundle if it was stale, so these only start.
  const extraWorkers = await Promise.all(
    Array.from({ length: options.extraWorkers ?? 0 }, async () => spawnWorker(await freePort())),
  );
  const finished: NodeProcess[] = [];
  let worker = firstWorker;
  let web: WebServer | undefined;
  const stopped = async (child: NodeProcess, signal: NodeJS.Signals) => {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill(signal);
    return child.exited;
  };
  const stopWorker = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!worker) return undefined;
    const current = worker;
    worker = undefined;
    finished.push(current);
    return stopped(current, signal);
  };
  const workerOutput = () =>
    [...finished, ...(worker ? [worker] : []), ...extraWorkers].map((w) => w.output()).join('');
  const stopExtraWorkers = () => Promise.all(extraWorkers.map((w) => stopped(w, 'SIGTERM')));

  try {
    web = await startWeb(staged, {
      ...common,
      BASIC_AUTH_USER: credentials.user,
      BASIC_AUTH_PASSWORD: credentials.password,
      NEXT_TELEMETRY_DISABLED: '1',
      WORKER_HEALTH_URL: `http://127.0.0.1:${workerPort}`,
      ...options.webEnv,
    });
    await Promise.all([
      waitForHealthy(web),
      worker ? waitUntilReady(worker) : undefined,
      ...extraWorkers.map((w) => waitUntilReady(w)),
    ]);
  } catch (error) {
    await Promise.all([web?.stop(), stopWorker(), stopExtraWorkers()]);
    await releaseStaged();
    throw error;
  }
  const server = web;
  let stoppedAll = false;
  const authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;

  const app: ProductionApp = {
    url: server.url,
    web: server,
    get worker() {
      return worker;
    },
    extraWorkers,
    credentials,
    prefix,
    fetch: (pathname, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', authorization);
      if (!headers.has('origin')) headers.set('origin', server.url);
      return fetch(`${server.url}${pathname}`, { redirect: 'manual', ...init, headers });
    },
    output: () => `${server.output()}${workerOutput()}`,
    webOutput: () => server.output(),
    workerOutput,
    restartWorker: async () => {
      await stopWorker();
      const next = await spawnWorker();
      worker = next;
      await waitUntilReady(next);
      return next;
    },
    stopWorker,
    stopWeb: (signal = 'SIGTERM') => stopped(server, signal),
    stop: async () => {
      if (stoppedAll) return;
      stoppedAll = true;
      await Promise.all([stopped(server, 'SIGTERM'), stopWorker(), stopExtraWorkers()]);
      await releaseStaged();
    },
  };
  return app;
}

/** A V8 stack frame line ("    at fn (file:1:2)"): expected errors must never print one. */
export const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>\)?)$/m;

export type { StagedWeb };
