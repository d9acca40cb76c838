// template-demo
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, testEnv } from '@app/db/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionApp, STACK_TRACE, startProductionApp } from '../e2e/support/production-app';

/**
 * A bounded fuzz pass through the front door: generated requests (every route and method found
 * in src/app, odd paths, queries, headers and bodies, good and bad credentials and Origins) to
 * the production server, one at a time. Each must be answered without a 5xx other than 503,
 * without a stack trace in the server's output, and, when refused (4xx), without changing the
 * database. Fixed seed; `FUZZ_SEED=n` explores another sequence, `FUZZ_RUNS=n` sets the count.
 */

const appDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'app');
const seed = Number(process.env.FUZZ_SEED ?? 20_261_201);
const numRuns = Number(process.env.FUZZ_RUNS ?? 2000);

type Route = { pattern: string; methods: string[] };

/** Every page.tsx and route.ts under src/app with the methods it exports (pages: GET). */
function appRoutes(dir = appDir): Route[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): Route[] => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return appRoutes(full);
    const match = /^(page|route)\.(ts|tsx)$/.exec(entry.name);
    if (!match) return [];
    const segments = path
      .relative(appDir, dir)
      .split(path.sep)
      .filter((s) => s && !/^\(.*\)$/.test(s) && !s.startsWith('@'));
    const pattern = `/${segments.join('/')}`;
    if (match[1] === 'page') return [{ pattern, methods: ['GET'] }];
    const methods = [
      ...readFileSync(full, 'utf8').matchAll(
        /export\s+(?:const|(?:async\s+)?function)\s+(GET|HEAD|POST|PUT|PATCH|DELETE)\b/g,
      ),
    ].map((m) => m[1] as string);
    return [{ pattern, methods }];
  });
}

const routes = appRoutes();

type FuzzRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
};

type Answer = { status: number; contentType: string };

/** node:http rather than fetch: fetch refuses TRACE and CONNECT, odd paths and some headers. */
function send(base: URL, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: base.hostname,
        port: base.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, connection: 'close' },
        timeout: 15_000,
      },
      (response) => {
        const answer = {
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
        };
        // Event streams never end: the status and headers are the answer.
        if (answer.contentType.startsWith('text/event-stream')) {
          response.destroy();
          resolve(answer);
          return;
        }
        response.resume();
        response.on('end', () => resolve(answer));
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 15 s')));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** Strings that have broken servers: NUL, bad escapes, huge numbers, dates, unicode, SQL. */
const nasty = fc.constantFrom(
  '',
  '%00',
  '%',
  '%ZZ',
  '%C0%AF',
  '%FF%FE',
  '%F0%9F%92%A9',
  '..%2F..%2Fetc%2Fpasswd',
  "'%20or%201%3D1--",
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  'NaN',
  'null',
  'true',
  '275760-09-13T00%3A00%3A00.000Z',
  'AA',
  'AAAA',
  // base64url of "\0@", "a@b" and of a JSON cursor with a bad id and date
  'AEA',
  'YUBi',
  Buffer.from('{"createdAt":"+275760-09-13T00:00:00.000Z","id":"x"}').toString('base64url'),
  Buffer.from('{"createdAt":"2020-01-01T00:00:00.000Z","id":"\u0000"}').toString('base64url'),
  'x'.repeat(500),
);
const value = fc.oneof(
  nasty,
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.integer().map(String),
);

function requests(importId: string, base: string) {
  const id = fc.constantFrom(
    importId,
    '00000000-0000-4000-8000-000000000000',
    'not-a-uuid',
    '%00',
    '..',
    'x'.repeat(300),
    '%E2%80%AE',
  );
  const known = fc.constantFrom(...routes).chain((route) =>
    fc.record({
      pattern: fc.constant(route.pattern),
      method: fc.oneof(
        {
          weight: 4,
          arbitrary: fc.constantFrom(
            ...route.methods,
            ...(route.methods.includes('GET') ? ['HEAD'] : []),
          ),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            'GET',
            'POST',
            'PUT',
            'PATCH',
            'DELETE',
            'OPTIONS',
            'TRACE',
            'HEAD',
          ),
        },
      ),
    }),
  );
  const unknown = fc.record({
    pattern: fc.constantFrom(
      '/api/nope',
      '/_next/imagefoo',
      '/_next/static/x.js',
      '/favicon.ico',
      '/api/imports/x/y/z',
      '/%00',
    ),
    method: fc.constantFrom('GET', 'POST', 'TRACE', 'OPTIONS'),
  });
  const query = fc
    .array(fc.tuple(fc.constantFrom('q', 'limit', 'cursor', 'status', 'id', 'x', 'q[]'), value), {
      maxLength: 3,
    })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
  const authorization = fc.constantFrom<'good' | 'none' | 'wrong' | 'malformed'>(
    'good',
    'good',
    'good',
    'none',
    'wrong',
    'malformed',
  );
  const origin = fc.constantFrom<string | undefined>(
    base,
    base,
    base,
    undefined,
    'https://evil.example',
    'null',
    base.replace('http:', 'https:'),
  );
  const csv = Buffer.from('email,name\nfuzz@example.com,Fuzz\n');
  const body = fc.oneof(
    fc.constant<{ type?: string; data?: Buffer }>({}),
    fc.json().map((j) => ({ type: 'application/json', data: Buffer.from(j) })),
    fc
      .constantFrom('{"ids":["x"]}', '{"ids":[]}', '{', '[]', 'null', '{"ids":"%00"}')
      .map((j) => ({ type: 'application/json', data: Buffer.from(j) })),
    fc
      .uint8Array({ maxLength: 200 })
      .map((b) => ({ type: 'application/octet-stream', data: Buffer.from(b) })),
    fc
      .constantFrom(
        'application/jsonx',
        'text/plain',
        'multipart/form-data',
        'multipart/form-data; boundary=',
        '',
      )
      .map((type) => ({ type, data: Buffer.from('{"ids":[]}') })),
    fc
      .constantFrom('data.csv', 'a\u0000b.csv', '', '../../x.csv', 'x'.repeat(400), 'ü.csv')
      .chain((filename) =>
        fc.boolean().map((truncate) => {
          const boundary = 'fuzzboundary';
          const part = Buffer.concat([
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`,
            ),
            csv,
            Buffer.from(`\r\n--${boundary}--\r\n`),
          ]);
          return {
            type: `multipart/form-data; boundary=${boundary}`,
            data: truncate ? part.subarray(0, part.length - 20) : part,
          };
        }),
      ),
  );
  return fc
    .record({
      route: fc.oneof({ weight: 9, arbitrary: known }, { weight: 1, arbitrary: unknown }),
      id,
      query,
      authorization,
      origin,
      body,
    })
    .map(
      ({ route, id: idValue, query: q, authorization: auth, origin: o, body: b }): FuzzRequest => {
        const headers: Record<string, string> = {};
        if (auth === 'good')
          headers.authorization = `Basic ${Buffer.from('operator:production-test-password').toString('base64')}`;
        if (auth === 'wrong')
          headers.authorization = `Basic ${Buffer.from('operator:wrong').toString('base64')}`;
        if (auth === 'malformed') headers.authorization = 'Basic !!!';
        if (o) headers.origin = o;
        const withBody = !['GET', 'HEAD', 'TRACE', 'OPTIONS'].includes(route.method) && b.data;
        if (withBody && b.type !== undefined && b.type !== '') headers['content-type'] = b.type;
        return {
          method: route.method,
          path: route.pattern.replace(/\[[^\]]+\]/g, idValue) + q,
          headers,
          body: withBody ? b.data : undefined,
        };
      },
    );
}

describe('fuzz: generated requests to the production server', () => {
  let app: ProductionApp;
  let db: DbClient;
  let importId: string;

  beforeAll(async () => {
    const env = await testEnv();
    db = createDb(env.databaseUrl, { max: 1 });
    await resetDatabase(db.sql);
    await db.sql`insert into contacts (email, name, company) values
      ('ann@example.com', 'Ann', 'Acme'), ('bob@example.com', 'Bob', null), ('cy@example.com', null, 'Cyberdyne')`;
    // No worker: nothing changes the database between a request and the check after it.
    app = await startProductionApp(env, {
      worker: false,
      webEnv: { IMPORT_RATE_LIMIT: '100000/minute', IMPORT_MAX_BYTES: '4096' },
    });
    const form = new FormData();
    form.append(
      'file',
      new File(['email,name\nseed@example.com,Seed\n'], 'seed.csv', { type: 'text/csv' }),
    );
    const created = await app.fetch('/api/imports', { method: 'POST', body: form });
    expect(created.status).toBe(202);
    importId = ((await created.json()) as { import: { id: string } }).import.id;
  });
  afterAll(async () => {
    await app?.stop();
    await db?.close();
  });

  /** A digest of every table a request could change. */
  async function snapshot(): Promise<string> {
    const [row] = await db.sql<{ digest: string }[]>`
      select md5(concat_ws('|',
        (select string_agg(t::text, ',' order by t.email) from contacts t),
        (select string_agg(t::text, ',' order by t.id) from imports t),
        (select count(*) from import_chunks),
        (select count(*) from import_errors),
        (select count(*) from reports))) digest`;
    return row?.digest ?? '';
  }

  it(`answers ${numRuns} generated requests with no 5xx but 503, no stack trace, nothing written when refused`, async () => {
    const base = new URL(app.url);
    const statuses = new Map<number, number>();
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(requests(importId, app.url), async (req) => {
        const before = await snapshot();
        const logged = app.webOutput().length;
        const answer = await send(base, req);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const output = app.webOutput().slice(logged);
        expect({
          status: answer.status,
          stack: STACK_TRACE.test(output) ? output.slice(0, 2000) : '',
        }).toEqual({
          status: answer.status >= 500 && answer.status !== 503 ? 'not a 5xx' : answer.status,
          stack: '',
        });
        if (answer.status >= 400) expect(await snapshot()).toBe(before);
      }),
      { seed, numRuns, endOnFailure: true },
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `fuzz: ${numRuns} requests (seed ${seed}) in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    // The generators reach the routes: most requests were let in, some refused, some accepted.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(numRuns / 10);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(STACK_TRACE.test(app.webOutput())).toBe(false);
  });

  // The fuzz found these first: a write to a page path, a form body to a missing API path or a
  // Next-Action header made Next look for a Server Action and log a stack per request.
  it.each([
    ['/', {}, 405],
    ['/imports', {}, 405],
    ['/contacts/some/deep/path', {}, 405],
    ['/api/no-such-route', {}, 415],
    ['/', { 'next-action': 'abc123' }, 400],
    ['/api/contacts', { 'next-action': 'abc123' }, 400],
  ] as [string, Record<string, string>, number][])(
    'POST %s with a form body and headers %o is a %i, with no stack in the log',
    async (pathname, headers, status) => {
      for (const body of [new URLSearchParams({ a: '1' }), formWith('a', '1')]) {
        const before = await snapshot();
        const logged = app.webOutput().length;
        const answer = await app.fetch(pathname, { method: 'POST', body, headers });
        expect(answer.status).toBe(status);
        const { error } = (await answer.json()) as { error: { code: string; message: string } };
        expect(error.message).toMatch(/GET|JSON|Server Actions/);
        await new Promise((resolve) => setTimeout(resolve, 200)); // let a late log line land
        expect(app.webOutput().slice(logged)).not.toMatch(/Server Action|^\s+at /m);
        expect(await snapshot()).toBe(before);
      }
    },
  );
});

function formWith(name: string, value: string): FormData {
  const form = new FormData();
  form.append(name, value);
  return form;
}
