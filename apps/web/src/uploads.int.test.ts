// template-demo
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnv } from '@app/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionApp, STACK_TRACE, startProductionApp } from '../e2e/support/production-app';

/**
 * Upload and body limits through the front door: the production build (standalone server.js and
 * the worker bundle) over HTTP, with production auth. Files are generated into a temp folder.
 * Sizes around Next's 10 MB proxy buffer (9, 11 MB), a large one (30 MB) and the limit itself
 * (IMPORT_MAX_BYTES, 50 MiB by default: exactly that many bytes is allowed, one more is not).
 * docs/decisions/0060 explains the limits.
 */

const MiB = 1024 * 1024;
const LIMIT = 50 * MiB; // the default IMPORT_MAX_BYTES (apps/web/src/env.ts); the app runs with it

type Generated = { file: string; size: number; rows: number };

/**
 * A CSV of exactly `size` bytes: unique emails under `tag`, long names (fewer, larger rows keep
 * the import short; names may have 200 characters), the last two padded so the size is exact.
 */
async function generateCsv(dir: string, tag: string, size: number): Promise<Generated> {
  const file = path.join(dir, `${tag}.csv`);
  const out = createWriteStream(file);
  const header = 'email,name\n';
  const filler = 'x'.repeat(160);
  let written = header.length;
  let rows = 0;
  out.write(header);
  let batch = '';
  for (;;) {
    const line = `${tag}-${rows}@example.com,Name ${rows} ${filler}\n`;
    // Room left for this line and a final one of at least this length?
    if (written + line.length * 2 > size) break;
    batch += line;
    written += line.length;
    rows++;
    if (batch.length > 1 * MiB) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  // The rest (one to two lines' worth) as two rows of about equal length, names under 200.
  const rest = size - written;
  for (const share of [Math.floor(rest / 2), rest - Math.floor(rest / 2)]) {
    const start = `${tag}-${rows}@example.com,Name ${rows} `;
    batch += `${start}${'y'.repeat(share - start.length - 1)}\n`;
    rows++;
  }
  out.end(batch);
  await finished(out);
  const actual = (await stat(file)).size;
  if (actual !== size) throw new Error(`generated ${actual} bytes, wanted ${size}`);
  return { file, size, rows };
}

async function uploadForm(file: string): Promise<FormData> {
  const handle = await open(file);
  try {
    const form = new FormData();
    form.append(
      'file',
      new File([await handle.readFile()], path.basename(file), { type: 'text/csv' }),
    );
    return form;
  } finally {
    await handle.close();
  }
}

type ImportView = {
  id: string;
  status: string;
  totalRows: number | null;
  processedRows: number;
  inserted: number;
  updated: number;
  invalid: number;
  error: string | null;
};

/** A raw HTTP/1.1 exchange: the head, then `body`, then waits for the answer (or `waitMs`). */
async function rawRequest(
  url: string,
  head: string[],
  body: Buffer,
  waitMs: number,
): Promise<{ status: number; text: string; ms: number }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => {});
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  socket.write(body);
  const deadline = Date.now() + waitMs;
  // A complete answer: the head and a JSON body that parses.
  const complete = () => {
    const split = received.indexOf('\r\n\r\n');
    if (split < 0) return false;
    const rest = received.slice(split + 4);
    const json = rest.slice(rest.indexOf('{'), rest.lastIndexOf('}') + 1);
    try {
      JSON.parse(json);
      return true;
    } catch {
      return false;
    }
  };
  while (!complete() && Date.now() < deadline) await sleep(10);
  const ms = Date.now() - started;
  socket.destroy();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
  return { status, text: received, ms };
}

describe('uploads and body limits (production build)', () => {
  let app: ProductionApp;
  let dir: string;
  const figures: string[] = [];

  /** The newest import's id: unchanged after a refused upload means nothing was stored. */
  async function newestImport(): Promise<string | undefined> {
    const response = await app.fetch('/api/imports?limit=1');
    expect(response.status).toBe(200);
    return ((await response.json()) as { imports: { id: string }[] }).imports[0]?.id;
  }

  async function waitForImport(id: string): Promise<ImportView> {
    for (;;) {
      const response = await app.fetch(`/api/imports/${id}`);
      const view = ((await response.json()) as { import: ImportView }).import;
      if (['completed', 'failed', 'cancelled'].includes(view.status)) return view;
      await sleep(250);
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'uploads-int-'));
    app = await startProductionApp(await testEnv(), {
      // No worker at first: the sizes below are only accepted, the one at the limit is imported.
      worker: false,
      // Every upload here comes from one client; the rate limit has its own test below.
      webEnv: { IMPORT_RATE_LIMIT: '1000/minute', LOG_LEVEL: 'info' },
      workerEnv: { LOG_LEVEL: 'warn' },
    });
    // A `next build` first when sources changed: minutes on 2 busy cores.
  }, 600_000);

  afterAll(async () => {
    await app?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (figures.length > 0) console.info(`upload figures:\n${figures.join('\n')}`);
  });

  async function upload(tag: string, size: number) {
    const generated = await generateCsv(dir, tag, size);
    const form = await uploadForm(generated.file);
    const started = Date.now();
    const response = await app.fetch('/api/imports', { method: 'POST', body: form });
    const body = (await response.json()) as { import: ImportView & { sizeBytes: number } };
    return { generated, response, body, ms: Date.now() - started };
  }

  // 9 MB was accepted before, 11 MB is just over Next's 10 MB proxy buffer that cut the body.
  // Accepted with every byte (sizeBytes is what the route received), then cancelled, so the
  // import of the largest file below has the worker to itself.
  it.each([
    ['9 MB', 9 * MiB],
    ['11 MB', 11 * MiB],
    ['30 MB', 30 * MiB],
  ])('accepts %s whole (202)', async (label, size) => {
    const { response, body, ms } = await upload(`s${size}`, size);
    figures.push(`${label}: upload ${ms} ms`);
    expect(response.status, JSON.stringify(body)).toBe(202);
    expect(body.import).toMatchObject({ status: 'queued', sizeBytes: size });
    const cancel = await app.fetch(`/api/imports/${body.import.id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
  });

  it('accepts a file of exactly the limit (50 MiB) and imports every row', {
    timeout: 600_000,
  }, async () => {
    await app.restartWorker();
    const { generated, response, body, ms } = await upload('limit', LIMIT);
    expect(response.status, JSON.stringify(body)).toBe(202);
    expect(body.import.sizeBytes).toBe(LIMIT);
    const started = Date.now();
    const done = await waitForImport(body.import.id);
    figures.push(
      `50 MiB: ${generated.rows} rows, upload ${ms} ms, import ${Date.now() - started} ms`,
    );
    expect(done).toMatchObject({
      status: 'completed',
      error: null,
      totalRows: generated.rows,
      processedRows: generated.rows,
      inserted: generated.rows,
      updated: 0,
      invalid: 0,
    });
  });

  it('refuses one byte over the limit with a 413 naming it, and writes nothing', async () => {
    const before = await newestImport();
    const generated = await generateCsv(dir, 'over', LIMIT + 1);
    const response = await app.fetch('/api/imports', {
      method: 'POST',
      body: await uploadForm(generated.file),
    });
    expect(response.status).toBe(413);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('file_too_large');
    expect(error.message).toContain(`the limit is 50.0 MB (${LIMIT} bytes)`);
    expect(await newestImport()).toBe(before);
  });

  it('refuses a body announced far over the limit before reading it', async () => {
    const before = await newestImport();
    const response = await app.fetch('/api/imports', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: new Uint8Array(60 * MiB),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /the upload is 60\.0 MB; the limit is 50\.0 MB/,
    );
    expect(await newestImport()).toBe(before);
  });

  it('stops reading a chunked upload (no Content-Length) as soon as it passes the limit', async () => {
    const before = await newestImport();
    let sent = 0;
    const chunk = new Uint8Array(MiB).fill(0x61);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // Far more than the limit: if the server read it all, this would send 200 MiB.
        if (sent >= 200 * MiB) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await app.fetch('/api/imports', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'the limit is 50.0 MB',
    );
    expect(sent).toBeLessThan(200 * MiB);
    expect(await newestImport()).toBe(before);
  });

  it('answers a lying Content-Length of 10^12 with a 413 at once, without waiting for the body', async () => {
    const { host } = new URL(app.url);
    const authorization = `Basic ${Buffer.from(`${app.credentials.user}:${app.credentials.password}`).toString('base64')}`;
    const head = [
      'POST /api/imports HTTP/1.1',
      `Host: ${host}`,
      `Origin: ${app.url}`,
      'Content-Type: multipart/form-data; boundary=x',
      'Content-Length: 1000000000000',
    ];
    // A few bytes of the announced terabyte; the rest never comes. Waiting for it is the defect.
    const answer = await rawRequest(
      app.url,
      [...head, `Authorization: ${authorization}`],
      Buffer.from('--x\r\n'),
      15_000,
    );
    figures.push(`lying Content-Length (10^12): ${answer.status} after ${answer.ms} ms`);
    expect(answer.status, answer.text).toBe(413);
    expect(answer.text).toContain('the limit is 50.0 MB');
    // Anonymous: refused by the access check just as fast, before the size.
    const anonymous = await rawRequest(app.url, head, Buffer.from('--x\r\n'), 15_000);
    figures.push(
      `lying Content-Length, no credentials: ${anonymous.status} after ${anonymous.ms} ms`,
    );
    expect(anonymous.status, anonymous.text).toBe(401);
  });

  it('answers 413 for 20 MB of JSON on a JSON route, announced or chunked', async () => {
    const json = JSON.stringify({ all: true, padding: 'x'.repeat(20 * MiB) });
    const announced = await app.fetch('/api/jobs/failed/retry', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: json,
    });
    expect(announced.status).toBe(413);
    expect(((await announced.json()) as { error: { code: string } }).error.code).toBe(
      'body_too_large',
    );
    const chunked = await app.fetch('/api/jobs/failed/retry', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([json]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const small = await app.fetch('/api/jobs/failed/retry', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ all: true }),
    });
    expect(small.status).toBe(200);
  });

  it('keeps the access checks and headers on the upload route, which the proxy skips', async () => {
    const form = () => {
      const f = new FormData();
      f.append('file', new File(['email\nauth@example.com\n'], 'a.csv', { type: 'text/csv' }));
      return f;
    };
    const before = await newestImport();
    const anonymous = await fetch(`${app.url}/api/imports`, {
      method: 'POST',
      body: form(),
      headers: { origin: app.url },
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(anonymous.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(anonymous.headers.get('x-content-type-options')).toBe('nosniff');
    const wrongPassword = await app.fetch('/api/imports', {
      method: 'POST',
      body: form(),
      headers: { authorization: `Basic ${Buffer.from('operator:wrong').toString('base64')}` },
    });
    expect(wrongPassword.status).toBe(401);
    const crossSite = await app.fetch('/api/imports', {
      method: 'POST',
      body: form(),
      headers: { origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    expect(((await crossSite.json()) as { error: { code: string } }).error.code).toBe('bad_origin');
    const list = await fetch(`${app.url}/api/imports`);
    expect(list.status).toBe(401);
    const signedIn = await app.fetch('/api/imports');
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('x-frame-options')).toBe('DENY');
    expect(await newestImport()).toBe(before);
  });

  it('keeps the upload rate limit on the upload route', async () => {
    const limited = await startProductionApp(await testEnv(), {
      worker: false,
      webEnv: { IMPORT_RATE_LIMIT: '2/minute' },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const f = new FormData();
        f.append(
          'file',
          new File([`email\nrate${i}@example.com\n`], 'r.csv', { type: 'text/csv' }),
        );
        const response = await limited.fetch('/api/imports', { method: 'POST', body: f });
        statuses.push(response.status);
        if (response.status === 429) expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      }
      expect(statuses).toEqual([202, 202, 429]);
      expect(limited.output()).not.toMatch(STACK_TRACE);
    } finally {
      await limited.stop();
    }
  });

  it('printed no stack trace, and Next never cut an upload', () => {
    const output = app.output();
    expect(output).not.toMatch(STACK_TRACE);
    expect(output).not.toMatch(/Request body exceeded .* for \/api\/imports/);
    // Both processes are still up.
    expect(app.web.child.exitCode).toBeNull();
    expect(app.worker?.child.exitCode).toBeNull();
  });
});
