// template-demo
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createDb } from '@app/db';
import { resetDatabase, testEnv, withDatabase } from '@app/db/testing';
import { contactsCsv, expectedCounts } from '@app/worker/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionApp, STACK_TRACE, startProductionApp } from '../e2e/support/production-app';

/**
 * Postgres faults and hostile input through the real door: the production web server (standalone
 * build, production auth) and the worker bundle (startProductionApp), over HTTP only. Issue 12, defects 3 and 5:
 * a terminated connection or a connection limit is a 503 with Retry-After, never a 500; the worker
 * survives and the import's counts stay exact; bad input is a 4xx with no stack in the log.
 */

const env = await testEnv();
const database = new URL(env.databaseUrl).pathname.slice(1);
const admin = createDb(env.databaseUrl, { max: 2, applicationName: 'pgfaults-admin' });
// A role of this run with CONNECTION LIMIT 2 (superusers ignore connection limits). Roles are
// server-wide: named after the run, dropped afterwards.
const limitedRole = `test_limited_${env.runId}_${randomBytes(3).toString('hex')}`.toLowerCase();
const limitedPassword = randomBytes(12).toString('hex');

const started: ProductionApp[] = [];

async function app(options: Parameters<typeof startProductionApp>[1] = {}) {
  const running = await startProductionApp(env, options);
  started.push(running);
  return running;
}

/** Terminates this test database's backends of one application (other databases are not ours). */
async function terminate(applicationName: string): Promise<number> {
  const rows = await admin.sql`
    select pg_terminate_backend(pid) as ok from pg_stat_activity
    where application_name = ${applicationName} and datname = ${database}`;
  return rows.filter((r) => r.ok).length;
}

/** GETs spread over the API's database-backed reads, `count` of them, `concurrency` at a time. */
async function load(
  server: ProductionApp,
  count: number,
  concurrency: number,
  during?: () => void,
) {
  const paths = ['/api/contacts', '/api/imports', '/api/contacts?q=pers', '/api/dashboard'];
  const statuses: Record<number, number> = {};
  let missingRetryAfter = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const response = await server.fetch(paths[next++ % paths.length] as string);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status === 503 && !response.headers.get('retry-after')) missingRetryAfter++;
        await response.arrayBuffer();
        during?.();
      }
    }),
  );
  return { statuses, missingRetryAfter };
}

/** A request fetch() refuses to send (TRACE is a forbidden method there), over plain node:http. */
function rawRequest(url: string, method: string, headers: Record<string, string> = {}) {
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  await resetDatabase(admin.sql);
  await admin.sql.unsafe(
    `create role "${limitedRole}" login password '${limitedPassword}' connection limit 2
     in role pg_read_all_data, pg_write_all_data`,
  );
}, 600_000);

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  await admin.sql.unsafe(`drop role if exists "${limitedRole}"`).catch(() => {});
  await admin.close();
});

describe('bad input through the production server', () => {
  it('answers TRACE and NUL-bearing input with a 4xx and logs no stack', async () => {
    const server = await app({ worker: false });
    const { user, password } = server.credentials;
    const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const cases: { name: string; send: () => Promise<Response>; status: number; code: string }[] = [
      {
        name: 'TRACE / without credentials',
        send: () => rawRequest(`${server.url}/`, 'TRACE'),
        status: 405,
        code: 'method_not_allowed',
      },
      {
        name: 'TRACE on an API route',
        send: () => rawRequest(`${server.url}/api/contacts`, 'TRACE', { authorization }),
        status: 405,
        code: 'method_not_allowed',
      },
      {
        name: 'a NUL in the search',
        send: () => server.fetch('/api/contacts?q=%00'),
        status: 400,
        code: 'invalid_input',
      },
      {
        name: 'a contacts cursor that decodes to a NUL',
        send: () => server.fetch(`/api/contacts?cursor=${b64('a\u0000@b.c')}`),
        status: 400,
        code: 'invalid_cursor',
      },
      {
        name: 'an imports cursor with a non-uuid id',
        send: () => server.fetch(`/api/imports?cursor=${b64('2026-01-01T00:00:00.000Z|nope')}`),
        status: 400,
        code: 'invalid_cursor',
      },
      {
        name: 'an imports cursor in the year 275760',
        send: () =>
          server.fetch(
            `/api/imports?cursor=${b64(`${new Date(8.64e15).toISOString()}|${crypto.randomUUID()}`)}`,
          ),
        status: 400,
        code: 'invalid_cursor',
      },
      {
        name: 'a NUL in a multipart file name',
        send: () => {
          const form = new FormData();
          form.append('file', new Blob(['email\na@b.co\n'], { type: 'text/csv' }), 'a\u0000b.csv');
          return server.fetch('/api/imports', { method: 'POST', body: form });
        },
        status: 400,
        code: 'invalid_filename',
      },
    ];
    const results = [];
    for (const c of cases) {
      const response = await c.send();
      const body = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
      results.push({ name: c.name, status: response.status, code: body.error?.code });
    }
    expect(results).toEqual(cases.map((c) => ({ name: c.name, status: c.status, code: c.code })));
    // Nothing was stored by the refused upload.
    const [imports] = await admin.sql`select count(*)::int as n from imports`;
    expect(imports?.n).toBe(0);
    // The contacts page degrades the bad search to the first page instead of an error page.
    expect((await server.fetch('/contacts?q=%00')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the log lines land
    expect(server.output()).not.toMatch(STACK_TRACE);
    expect(server.output()).not.toContain('"level":50');
  }, 120_000);
});

describe('Postgres terminating connections of the web server and the worker mid-import', () => {
  it('answers 503 with Retry-After (never 500) meanwhile; the import completes exactly', async () => {
    const server = await app({ workerEnv: { IMPORT_BATCH_SIZE: '100', LOG_LEVEL: 'warn' } });
    const worker = server.worker;
    if (!worker) throw new Error('no worker');

    // The roles are told apart by application_name, which both processes must set.
    const names = await admin.sql<{ name: string }[]>`
      select distinct application_name as name from pg_stat_activity where datname = ${database}`;
    expect(names.map((n) => n.name)).toEqual(expect.arrayContaining(['web', 'worker']));

    const rows = 30_000;
    const form = new FormData();
    form.append(
      'file',
      new Blob([new Uint8Array(contactsCsv({ rows, invalidPercent: 3 }))], { type: 'text/csv' }),
      'contacts.csv',
    );
    const uploaded = await server.fetch('/api/imports', { method: 'POST', body: form });
    expect(uploaded.status).toBe(202);
    const { import: created } = (await uploaded.json()) as { import: { id: string } };

    // Requests flow while both processes' connections are terminated every ~20 requests.
    let terminated = { web: 0, worker: 0 };
    let sent = 0;
    const kills: Promise<void>[] = [];
    const result = await load(server, 400, 6, () => {
      if (++sent % 20 !== 0) return;
      kills.push(
        Promise.all([terminate('web'), terminate('worker')]).then(([w, k]) => {
          terminated = { web: terminated.web + w, worker: terminated.worker + k };
        }),
      );
    });
    await Promise.all(kills);
    expect(terminated.web).toBeGreaterThan(0);
    expect(terminated.worker).toBeGreaterThan(0);
    expect(result.statuses[500]).toBeUndefined();
    expect(result.missingRetryAfter).toBe(0);
    expect(result.statuses[200]).toBeGreaterThan(0);
    expect(Object.keys(result.statuses).every((s) => s === '200' || s === '503')).toBe(true);

    // The import finishes with exact counts; read over HTTP, as a user would.
    const deadline = Date.now() + 120_000;
    let view: { status: string; processedRows: number; inserted: number; invalid: number };
    for (;;) {
      if (worker.child.exitCode !== null) {
        throw new Error(
          `worker exited (${worker.child.exitCode}):\n${worker.output().slice(-4000)}`,
        );
      }
      const response = await server.fetch(`/api/imports/${created.id}`);
      if (response.status === 200) {
        view = ((await response.json()) as { import: typeof view }).import;
        if (view.status === 'completed' || view.status === 'failed') break;
      }
      if (Date.now() > deadline) throw new Error(`import did not finish:\n${worker.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const expected = expectedCounts(rows, 3);
    expect(view).toMatchObject({
      status: 'completed',
      processedRows: expected.processed,
      inserted: expected.valid,
      invalid: expected.invalid,
    });

    // Both processes are the same ones, and serve normally again.
    expect(server.web.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    expect((await server.fetch('/api/contacts')).status).toBe(200);
    expect(server.output()).not.toMatch(STACK_TRACE);
    expect(server.workerOutput()).not.toMatch(/uncaught exception|TypeError/);
  }, 300_000);
});

describe('a Postgres connection limit', () => {
  it('answers 503 with Retry-After, not 500, and /api/health says so', async () => {
    const url = new URL(withDatabase(env.serverUrl, database));
    url.username = limitedRole;
    url.password = limitedPassword;
    const server = await app({ worker: false, webEnv: { DATABASE_URL: url.toString() } });

    // Ten at a time against a pool that may open only two connections.
    const result = await load(server, 200, 10);
    expect(result.statuses[500]).toBeUndefined();
    expect(result.statuses[503]).toBeGreaterThan(0);
    expect(result.missingRetryAfter).toBe(0);
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ checks: { db: 'down' } });
    expect(server.output()).toContain('"code":"53300"');
    expect(server.output()).not.toMatch(STACK_TRACE);
  }, 120_000);
});
