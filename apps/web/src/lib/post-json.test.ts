import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, refusalReason } from './post-json';

// A real HTTP server on loopback answers as the API does; the feedback a button shows is what
// these reasons read.
let server: Server;
let base: string;
const answers: Record<string, { status: number; body: string }> = {
  '/ok': { status: 202, body: JSON.stringify({ example: { id: 'e1' } }) },
  '/invalid': {
    status: 400,
    body: JSON.stringify({
      error: {
        code: 'invalid_input',
        message: 'invalid example',
        issues: [{ path: 'message', message: 'must not be empty' }],
      },
    }),
  },
  '/busy': {
    status: 503,
    body: JSON.stringify({ error: { code: 'unavailable', message: 'the database is busy' } }),
  },
  '/html': { status: 502, body: '<html>Bad gateway</html>' },
};
let received: { url?: string; type?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ url: request.url, type: request.headers['content-type'], body });
      const answer = answers[request.url ?? ''] ?? { status: 404, body: '' };
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('postJson', () => {
  it('sends the JSON and returns the body of a 2xx', async () => {
    received = [];
    expect(await postJson(`${base}/ok`, { message: 'hi' })).toEqual({
      ok: true,
      body: { example: { id: 'e1' } },
    });
    expect(received).toEqual([{ url: '/ok', type: 'application/json', body: '{"message":"hi"}' }]);
  });

  it('names the first invalid field of a 400, else the server message, else the status', async () => {
    expect(await postJson(`${base}/invalid`, {})).toEqual({
      ok: false,
      reason: 'message: must not be empty',
    });
    expect(await postJson(`${base}/busy`)).toEqual({ ok: false, reason: 'the database is busy' });
    expect(await postJson(`${base}/html`)).toEqual({
      ok: false,
      reason: 'the server answered 502',
    });
  });

  it('says the request did not arrive when nothing listens, without throwing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await postJson(`http://127.0.0.1:${port}/ok`)).toEqual({
      ok: false,
      reason: 'the request did not reach the server (check your connection)',
    });
  });
});

describe('refusalReason', () => {
  it('a whole-body problem is the issue alone', () => {
    const body = {
      error: {
        message: 'invalid request',
        issues: [{ path: '(root)', message: 'expected an object' }],
      },
    };
    expect(refusalReason(body, 400)).toBe('expected an object');
  });
});
