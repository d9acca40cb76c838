// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, testEnv } from '@app/db/testing';
import {
  backup,
  backupVerify,
  contactsImport,
  contactsReport,
  eventsKey,
  maintenanceCleanup,
  queueNames,
} from '@app/shared/contracts';
import { closeQueues, createQueues, type Queues } from '@app/shared/queues';
import { contactsCsv, expectedCounts, readImport, waitForImport } from '@app/worker/testing';
import type { SpawnedWorker } from '@app/worker/testing/spawn-worker';
import { startTcpProxy } from '@app/worker/testing/tcp-proxy';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionApp, STACK_TRACE, startProductionApp } from '../e2e/support/production-app';

/**
 * Issue 16, Build 3: the production build scaled out on one Postgres and one Redis. Two web
 * processes behind one port (a round-robin TCP proxy, as a load balancer in front of two
 * containers) and three worker processes: live events reach clients of either web, the upload
 * limit is global, both webs report the same dashboard, a worker SIGKILLed mid-import is replaced
 * by another with exact counts, the schedules exist once, and the Postgres connections stay
 * within docs/scaling.md's budget. Decision 107.
 */

const WEB_POOL = 4; // DATABASE_POOL_MAX per web process
const CONCURRENCY = 2; // WORKER_CONCURRENCY per worker process
const WEBS = 2;
const WORKERS = 3;
/** docs/scaling.md › Replicas: webs × DATABASE_POOL_MAX + workers × (WORKER_CONCURRENCY + 2). */
const BUDGET = WEBS * WEB_POOL + WORKERS * (CONCURRENCY + 2);

type Frame = { id?: string; event: string; data: string };
type Snapshot = { at: string; queues: unknown[]; throughput: unknown; health: unknown };

describe('two web processes and three workers on one database and Redis', () => {
  let web1: ProductionApp; // web 1 and the three workers
  let web2: ProductionApp; // web 2 only, on web 1's queue prefix
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let db: DbClient;
  let redis: Redis;
  let queues: Queues;
  let database: string;
  let client = 0;

  beforeAll(async () => {
    const env = await testEnv();
    database = new URL(env.databaseUrl).pathname.slice(1);
    db = createDb(env.databaseUrl, { max: 2, applicationName: 'replicas-test' });
    await resetDatabase(db.sql);
    const webEnv = {
      IMPORT_RATE_LIMIT: '3/minute',
      // The test plays the load balancer's part: its X-Forwarded-For names the client.
      TRUSTED_PROXIES: '127.0.0.1',
      DATABASE_POOL_MAX: String(WEB_POOL),
    };
    web1 = await startProductionApp(env, {
      extraWorkers: WORKERS - 1,
      webEnv,
      workerEnv: {
        WORKER_CONCURRENCY: String(CONCURRENCY),
        // A killed worker's import is taken over within a few seconds.
        WORKER_LOCK_DURATION_MS: '2000',
        WORKER_STALLED_INTERVAL_MS: '1000',
        IMPORT_BATCH_SIZE: '200',
        IMPORT_BATCH_DELAY_MS: '40',
      },
    });
    const firstWorker = web1.worker as SpawnedWorker;
    web2 = await startProductionApp(env, {
      worker: false,
      env: { QUEUE_PREFIX: web1.prefix },
      webEnv: { ...webEnv, WORKER_HEALTH_URL: `http://127.0.0.1:${firstWorker.port}` },
    });
    proxy = await startTcpProxy(
      [web1, web2].map((app) => ({ host: '127.0.0.1', port: Number(new URL(app.url).port) })),
    );
    redis = new Redis(env.redisUrl);
    queues = createQueues(redis, web1.prefix);
  }, 600_000);

  afterAll(async () => {
    proxy?.stop();
    if (queues) await closeQueues(queues);
    if (web1) await redis?.del(eventsKey(web1.prefix));
    redis?.disconnect();
    await Promise.all([web1?.stop(), web2?.stop()]);
    await db?.close();
  });

  const workers = () => [web1.worker as SpawnedWorker, ...web1.extraWorkers];
  const proxyUrl = () => `http://127.0.0.1:${proxy.port}`;
  const authorization = () =>
    `Basic ${Buffer.from(`${web1.credentials.user}:${web1.credentials.password}`).toString('base64')}`;

  /**
   * A request to `base` (a web, or the proxy) as client `from` (X-Forwarded-For). `connection:
   * close` makes each request a new connection, so the proxy alternates between the webs.
   */
  function call(base: string, pathname: string, from: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    headers.set('authorization', authorization());
    headers.set('origin', base);
    headers.set('x-forwarded-for', from);
    headers.set('connection', 'close');
    return fetch(`${base}${pathname}`, { redirect: 'manual', ...init, headers });
  }

  const newClient = () => `203.0.113.${++client}`;

  function upload(base: string, csv: Buffer | string, from = newClient()) {
    const form = new FormData();
    const bytes = typeof csv === 'string' ? csv : new Uint8Array(csv);
    form.append('file', new File([bytes], 'contacts.csv', { type: 'text/csv' }));
    return call(base, '/api/imports', from, { method: 'POST', body: form });
  }

  async function uploaded(response: Response): Promise<string> {
    const body = (await response.json()) as { import?: { id: string } };
    expect(response.status, JSON.stringify(body)).toBe(202);
    return body.import?.id as string;
  }

  /** Opens /api/events on `base`; `frames` fills as they arrive; `opened` once `ready` came. */
  function listen(base: string) {
    const abort = new AbortController();
    const frames: Frame[] = [];
    let ready: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const reading = (async () => {
      const response = await call(base, '/api/events', '192.0.2.1', { signal: abort.signal });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame: Frame = { event: 'message', data: '' };
          for (const line of buffer.slice(0, end).split('\n')) {
            const [field, ...rest] = line.split(': ');
            if (field === 'id') frame.id = rest.join(': ');
            if (field === 'event') frame.event = rest.join(': ');
            if (field === 'data') frame.data = rest.join(': ');
          }
          buffer = buffer.slice(end + 2);
          if (frame.event === 'ready') ready();
          else if (frame.data) frames.push(frame);
        }
      }
    })().catch((error: Error) => {
      if (!abort.signal.aborted) throw error;
    });
    return { frames, opened, close: () => abort.abort(), reading };
  }

  /** The stream ids of `importId`'s events, as a list of [id, status, processedRows]. */
  const eventsOf = (frames: Frame[], importId: string) =>
    frames
      .filter((f) => f.event === 'import.updated')
      .map((f) => ({ id: f.id, view: (JSON.parse(f.data) as { import: ImportLike }).import }))
      .filter((e) => e.view.id === importId)
      .map((e) => [e.id, e.view.status, e.view.processedRows]);
  type ImportLike = { id: string; status: string; processedRows: number };

  /** What the Redis stream holds for `importId`: the ground truth every client must see. */
  async function streamed(importId: string) {
    const entries = (await redis.xrange(eventsKey(web1.prefix), '-', '+')) as [string, string[]][];
    return entries.flatMap(([id, fields]) => {
      const raw = fields[fields.indexOf('event') + 1] ?? '{}';
      const event = JSON.parse(raw) as { type: string; import?: ImportLike };
      if (event.type !== 'import.updated' || event.import?.id !== importId) return [];
      return [[id, event.import.status, event.import.processedRows]];
    });
  }

  async function contactsLike(prefix: string) {
    const [row] = await db.sql<{ n: number; distinct: number }[]>`
      select count(*)::int as n, count(distinct lower(email))::int as distinct
      from contacts where email like ${`${prefix}.%`}`;
    return row;
  }

  it('registers each schedule once although three workers upserted them at the same time', async () => {
    const expected = [backup, backupVerify, contactsReport, maintenanceCleanup]
      .map((d) => `${d.queue}/${d.schedule?.id}`)
      .sort();
    const found: string[] = [];
    const next: string[] = [];
    for (const name of queueNames) {
      for (const scheduler of await queues[name].getJobSchedulers()) {
        found.push(`${name}/${scheduler.key}`);
      }
      // Each scheduler keeps exactly one upcoming job: a race would have left two.
      for (const job of await queues[name].getDelayed()) {
        if (job.repeatJobKey) next.push(`${name}/${job.repeatJobKey}`);
      }
    }
    expect(found.sort()).toEqual(expected);
    expect(next.sort()).toEqual(expected);
    // And every worker is consuming: three per queue, as either web's dashboard will say.
    for (const name of queueNames) expect(await queues[name].getWorkersCount()).toBe(WORKERS);
  });

  it('delivers every event of an import to SSE clients of both webs, through the proxy and directly', async () => {
    const before = [...proxy.connections];
    const clients = [
      ...[1, 2, 3, 4].map(() => listen(proxyUrl())),
      listen(web1.url),
      listen(web2.url),
    ];
    await Promise.all(clients.map((c) => c.opened));
    // Round robin: two of the proxied streams are held by each web.
    expect(proxy.connections.map((n, i) => n - (before[i] ?? 0))).toEqual([2, 2]);

    const csv = contactsCsv({ rows: 1000, emailPrefix: 'sse' });
    const id = await uploaded(await upload(proxyUrl(), csv));
    const done = await waitForImport(db, id);
    expect(done).toMatchObject({ status: 'completed', processedRows: 1000, inserted: 1000 });
    const truth = await streamed(id);
    // Progress events and the final one.
    expect(truth.length).toBeGreaterThanOrEqual(3);
    expect(truth.at(-1)?.[1]).toBe('completed');
    // The hub hands entries out a moment after Redis has them.
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      clients.some((c) => eventsOf(c.frames, id).length < truth.length)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const c of clients) c.close();
    await Promise.all(clients.map((c) => c.reading));
    for (const c of clients) expect(eventsOf(c.frames, id)).toEqual(truth);
  });

  it('holds the upload limit across both webs: 3 per minute in all, the 4th is 429 on either', async () => {
    const from = newClient();
    const row = (n: number) => `email,name\nlimit.${n}@example.com,L${n}\n`;
    const accepted = [
      await upload(web1.url, row(1), from),
      await upload(web2.url, row(2), from),
      await upload(proxyUrl(), row(3), from),
    ];
    const ids = await Promise.all(accepted.map(uploaded));
    const refused = [await upload(web1.url, row(4), from), await upload(web2.url, row(5), from)];
    expect(refused.map((r) => r.status)).toEqual([429, 429]);
    for (const r of refused) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // One counter in Redis for the client, whichever web counted: 5 hits.
    expect(await redis.get(`${web1.prefix}:rate:imports:${from}`)).toBe('5');
    // Another client is not affected.
    ids.push(await uploaded(await upload(web2.url, row(6))));
    for (const id of ids) await waitForImport(db, id);
    expect(await contactsLike('limit')).toEqual({ n: 4, distinct: 4 });
  });

  it('shows the same dashboard on both webs', async () => {
    // Quiet now: every import above is done. A pair taken across a minute boundary may shift the
    // per-minute series, so a mismatch is retried once with a fresh pair.
    const take = async () => {
      const [a, b] = (await Promise.all(
        [web1.url, web2.url].map(async (base) =>
          (await call(base, '/api/dashboard', '192.0.2.2')).json(),
        ),
      )) as [Snapshot, Snapshot];
      return [
        { ...a, at: '' },
        { ...b, at: '' },
      ] as const;
    };
    let [a, b] = await take();
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      [a, b] = await take();
    }
    expect(b).toEqual(a);
    const imports = (
      a.queues as { name: string; counts: { completed: number }; workers: number }[]
    ).find((q) => q.name === 'imports');
    // The SSE import, three limited uploads and the other client's: five completed, three workers.
    expect(imports).toMatchObject({ counts: { completed: 5 }, workers: WORKERS });
    expect(a.health).toEqual({ db: 'ok', redis: 'ok', worker: 'ok' });
  });

  it(`keeps Postgres connections within the budget under load (${BUDGET} for this topology)`, async () => {
    const counts = async () => {
      const rows = await db.sql<{ app: string; n: number }[]>`
        select application_name as app, count(*)::int as n from pg_stat_activity
        where datname = ${database} and application_name in ('web', 'worker')
        group by 1`;
      return Object.fromEntries(rows.map((r) => [r.app, r.n])) as Record<string, number>;
    };
    // Load: one import per worker slot at once (each from its own client, under the limit), and
    // 20 contact searches per web in flight (five times its pool), twice, while sampling pg_stat_activity.
    const files = Array.from({ length: WORKERS * CONCURRENCY }, (_, i) =>
      contactsCsv({ rows: 1200, emailPrefix: `load${i}` }),
    );
    const ids = await Promise.all(
      files.map(async (csv) => uploaded(await upload(proxyUrl(), csv))),
    );
    let peak = { web: 0, worker: 0 };
    let loading = true;
    const sampling = (async () => {
      while (loading) {
        const now = await counts();
        peak = {
          web: Math.max(peak.web, now.web ?? 0),
          worker: Math.max(peak.worker, now.worker ?? 0),
        };
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const searching = (async () => {
      for (let round = 0; round < 2; round++) {
        await Promise.all(
          [web1.url, web2.url].flatMap((base) =>
            Array.from({ length: 20 }, (_, i) =>
              call(base, `/api/contacts?limit=100&q=load${i % 6}`, '192.0.2.3').then((r) =>
                r.arrayBuffer(),
              ),
            ),
          ),
        );
      }
    })();
    await searching;
    for (const id of ids) await waitForImport(db, id);
    loading = false;
    await sampling;
    console.info(
      `postgres connections at peak: web ${peak.web} (max ${WEBS * WEB_POOL}), worker ${peak.worker} (max ${WORKERS * (CONCURRENCY + 2)}), budget ${BUDGET}`,
    );
    // Within the formula, and near it: the webs fill their pools, the workers hold one per
    // running job at least.
    expect(peak.web).toBeLessThanOrEqual(WEBS * WEB_POOL);
    expect(peak.worker).toBeLessThanOrEqual(WORKERS * (CONCURRENCY + 2));
    expect(peak.web).toBe(WEBS * WEB_POOL);
    expect(peak.worker).toBeGreaterThanOrEqual(WORKERS * CONCURRENCY);
    for (const [i, id] of ids.entries()) {
      expect(await readImport(db, id)).toMatchObject({ status: 'completed', inserted: 1200 });
      expect(await contactsLike(`load${i}`)).toEqual({ n: 1200, distinct: 1200 });
    }
  });

  it('hands an import whose worker is SIGKILLed to another worker, with exact counts', async () => {
    const rows = 6000;
    const expected = expectedCounts(rows, 3);
    const id = await uploaded(
      await upload(proxyUrl(), contactsCsv({ rows, invalidPercent: 3, emailPrefix: 'kill' })),
    );
    const midway = await waitForImport(db, id, ['running'], 30_000, (r) => r.processedRows >= 1000);
    expect(midway.processedRows).toBeLessThan(rows);
    // BullMQ records which replica took the job (the worker names itself host:pid).
    const holder = async () => {
      const job = await queues[contactsImport.queue].getJob(`import-${id}`);
      return Number(job?.processedBy?.split(':').at(-1));
    };
    const victimPid = await holder();
    const victim = workers().find((w) => w.child.pid === victimPid);
    expect(victim, `no worker has pid ${victimPid}`).toBeDefined();
    victim?.child.kill('SIGKILL');
    expect(await victim?.exited).toBe('SIGKILL');

    const done = await waitForImport(db, id);
    expect(done).toMatchObject({
      status: 'completed',
      processedRows: expected.processed,
      inserted: expected.valid,
      updated: 0,
      invalid: expected.invalid,
    });
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    const survivor = await holder();
    expect(survivor).not.toBe(victimPid);
    expect(
      workers()
        .filter((w) => w.child.exitCode === null && !w.child.signalCode)
        .map((w) => w.child.pid),
    ).toContain(survivor);
    expect(await contactsLike('kill')).toEqual({ n: expected.valid, distinct: expected.valid });
    const [errors] =
      await db.sql`select count(*)::int as n from import_errors where import_id = ${id}`;
    expect(errors?.n).toBe(expected.invalid);
    expect(web1.output() + web2.output()).not.toMatch(STACK_TRACE);
  });
});
