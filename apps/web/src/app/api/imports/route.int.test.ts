// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { createQueues } from '@app/shared/queues';
import { createProducerConnection } from '@app/shared/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

// Route handlers are plain functions of a Request: call them as Next would, against the real
// Postgres and Redis of this test worker.
let db: DbClient;
let prefix: string;
let routes: typeof import('./route');
let detail: typeof import('./[id]/route');
let retry: typeof import('./[id]/retry/route');

beforeAll(async () => {
  const env = await testEnv();
  prefix = await uniquePrefix('api');
  vi.stubEnv('DATABASE_URL', env.databaseUrl);
  vi.stubEnv('REDIS_URL', env.redisUrl);
  vi.stubEnv('QUEUE_PREFIX', prefix);
  vi.stubEnv('IMPORT_MAX_BYTES', String(64 * 1024));
  vi.stubEnv('LOG_LEVEL', 'silent');
  // The upload limit has its own test (src/production-access.int.test.ts); not this one's concern.
  vi.stubEnv('IMPORT_RATE_LIMIT', '1000/minute');
  db = createDb(env.databaseUrl, { max: 2, poolMode: env.poolMode });
  routes = await import('./route');
  detail = await import('./[id]/route');
  retry = await import('./[id]/retry/route');
});
afterAll(async () => {
  await db.close();
  const { closeServices } = await import('@/server/services.server');
  await closeServices();
});
beforeEach(async () => {
  await resetDatabase(db.sql);
});

// The handlers run the proxy's checks themselves (`guarded`); outside production that is the
// Origin check on writes, which a browser passes with its own origin (Next sets Host).
const sameSite = { origin: 'http://localhost', host: 'localhost' };

function upload(name: string, body: BlobPart, type = 'text/csv') {
  const form = new FormData();
  form.append('file', new File([body], name, { type }));
  return routes.POST(
    new Request('http://localhost/api/imports', { method: 'POST', body: form, headers: sameSite }),
    undefined,
  );
}

async function importsStored() {
  const [row] = await db.sql<{ imports: number; chunks: number }[]>`
    select (select count(*)::int from imports) as imports, (select count(*)::int from import_chunks) as chunks`;
  return row;
}

describe('POST /api/imports', () => {
  it('stores the file, enqueues one job whose id derives from the import, and answers 202', async () => {
    const response = await upload('people.csv', 'Email,Name\r\nada@example.com,Ada\r\n');
    expect(response.status).toBe(202);
    const body = await response.json();
    expect(body.import).toMatchObject({ filename: 'people.csv', status: 'queued', sizeBytes: 33 });
    expect(response.headers.get('location')).toBe(`/api/imports/${body.import.id}`);
    expect(await importsStored()).toEqual({ imports: 1, chunks: 1 });

    const redis = createProducerConnection((await testEnv()).redisUrl);
    const queues = createQueues(redis, prefix);
    const job = await queues.imports.getJob(`import-${body.import.id}`);
    await Promise.all(Object.values(queues).map((q) => q.close()));
    redis.disconnect();
    expect(job?.data).toEqual({ importId: body.import.id });
  });

  it.each([
    ['an empty file', 'empty.csv', '', 'text/csv', 422, 'empty'],
    ['a picture', 'photo.png', 'PNG', 'image/png', 415, 'not_csv'],
    [
      'a binary file named .csv',
      'data.csv',
      new Uint8Array([0x50, 0x4b, 0, 0, 1]),
      'text/csv',
      415,
      'binary',
    ],
    [
      'a CSV without an email column',
      'x.csv',
      'name,company\nAda,Acme\n',
      'text/csv',
      422,
      'no_email_column',
    ],
    ['a header without rows', 'rows.csv', 'Email,Name\r\n\r\n', 'text/csv', 422, 'no_rows'],
    [
      'a file over IMPORT_MAX_BYTES',
      'big.csv',
      `email\n${'a@b.co\n'.repeat(12_000)}`,
      'text/csv',
      413,
      'file_too_large',
    ],
    [
      'Latin-1 text',
      'latin1.csv',
      new Uint8Array([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xe9, 0x0a]),
      'text/csv',
      415,
      'not_utf8',
    ],
  ])(
    'refuses %s with a clear 4xx and writes nothing',
    async (_label, name, body, type, status, code) => {
      const response = await upload(name, body, type);
      expect(response.status).toBe(status);
      const json = await response.json();
      expect(json.error.code).toBe(code);
      expect(json.error.message.length).toBeGreaterThan(10);
      expect(await importsStored()).toEqual({ imports: 0, chunks: 0 });
    },
  );

  it('answers 415 for a body that is not multipart and 400 without a file', async () => {
    const json = await routes.POST(
      new Request('http://localhost/api/imports', {
        method: 'POST',
        body: '{}',
        headers: { ...sameSite, 'content-type': 'application/json' },
      }),
      undefined,
    );
    expect(json.status).toBe(415);
    const empty = await routes.POST(
      new Request('http://localhost/api/imports', {
        method: 'POST',
        body: new FormData(),
        headers: sameSite,
      }),
      undefined,
    );
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.code).toBe('file_missing');
  });
});

describe('GET /api/imports/:id and actions', () => {
  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  const post = new Request('http://localhost', { method: 'POST' });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await detail.GET(new Request('http://localhost'), params('nope'))).status).toBe(400);
    const missing = await detail.GET(
      new Request('http://localhost'),
      params('5b3f1c1e-9c3a-4d7e-8f51-1a2b3c4d5e6f'),
    );
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toEqual({
      code: 'not_found',
      message: 'import not found',
    });
  });

  it('refuses to retry an import that has not failed (409)', async () => {
    const created = await (await upload('a.csv', 'email\na@example.com\n')).json();
    const response = await retry.POST(post, params(created.import.id));
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe('not_retryable');
  });
});
