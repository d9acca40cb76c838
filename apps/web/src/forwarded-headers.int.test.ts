import { testEnv, uniquePrefix } from '@app/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type StagedWeb,
  stageStandaloneWeb,
  startWeb,
  type WebServer,
  waitForHealthy,
} from '../e2e/support/standalone-server';

/**
 * Forwarded headers, Origin schemes, the proxy's matcher, JSON content types and HSTS, over HTTP
 * against the production server. Two servers: one with no trusted proxy (this test's requests
 * come straight from a client), one that trusts loopback (this test plays Coolify's Traefik).
 */

const user = 'operator';
const password = 'a-long-test-password';
const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

type Answer = { status: number; headers: Headers; body: unknown };

async function call(server: WebServer, pathname: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${server.url}${pathname}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body };
}

// demo:start
/** Not multipart: refused (415) after being counted, which keeps the rate-limit cases quick. */
const upload = (server: WebServer, headers: Record<string, string>) =>
  call(server, '/api/imports', {
    method: 'POST',
    body: 'not a form',
    headers: { authorization, origin: server.url, ...headers },
  });
// demo:end

describe('forwarded headers and the front door (next build output)', () => {
  let staged: StagedWeb;
  let direct: WebServer;
  let proxied: WebServer;

  beforeAll(async () => {
    const env = await testEnv();
    staged = await stageStandaloneWeb();
    const base = {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      NEXT_TELEMETRY_DISABLED: '1',
      BASIC_AUTH_USER: user,
      BASIC_AUTH_PASSWORD: password,
      // demo:start
      IMPORT_RATE_LIMIT: '3/minute',
      // demo:end
    };
    [direct, proxied] = await Promise.all([
      startWeb(staged, { ...base, QUEUE_PREFIX: await uniquePrefix('direct') }),
      startWeb(staged, {
        ...base,
        QUEUE_PREFIX: await uniquePrefix('proxied'),
        TRUSTED_PROXIES: '127.0.0.1, ::1',
        PUBLIC_URL: 'https://app.example.test',
      }),
    ]);
    await Promise.all([waitForHealthy(direct), waitForHealthy(proxied)]);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([direct?.stop(), proxied?.stop()]);
    await staged?.remove();
  });

  // demo:start
  it('a client that forges X-Forwarded-For still has one budget', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) {
      statuses.push((await upload(direct, { 'x-forwarded-for': `198.51.100.${i}` })).status);
    }
    expect(statuses).toEqual([415, 415, 415, 429, 429]);
    // And the server said once which peer's header it ignored, with the fix.
    const warnings = direct
      .output()
      .split('\n')
      .filter((line) => line.includes('TRUSTED_PROXIES'));
    expect(warnings).toHaveLength(1);
  });

  it('behind a trusted proxy, each client has its own budget, keyed by the hop the proxy added', async () => {
    const client = (forwarded: string) =>
      upload(proxied, { 'x-forwarded-for': forwarded, origin: 'https://app.example.test' });
    const statuses: number[] = [];
    // Whatever the client put to the left of what the proxy appended is ignored.
    for (let i = 1; i <= 4; i++) statuses.push((await client(`6.6.6.${i}, 203.0.113.7`)).status);
    expect(statuses).toEqual([415, 415, 415, 429]);
    expect((await client('203.0.113.8')).status).toBe(415);
  });
  // demo:end

  it('without PUBLIC_URL, an Origin with another scheme, or a forged X-Forwarded-Host, is refused', async () => {
    const write = (headers: Record<string, string>) =>
      call(direct, '/api/jobs/failed/retry', {
        method: 'POST',
        body: '{}',
        headers: { authorization, 'content-type': 'application/json', ...headers },
      });
    const host = new URL(direct.url).host;
    for (const origin of [`https://${host}`, `ws://${host}`, `ftp://${host}`]) {
      const answer = await write({ origin });
      expect(answer.status, origin).toBe(403);
      expect(answer.body).toMatchObject({ error: { code: 'bad_origin' } });
    }
    // From an untrusted peer X-Forwarded-Host/-Proto are dropped, so they cannot vouch for a
    // foreign Origin.
    const forged = await write({
      origin: 'https://evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    expect(forged.status).toBe(403);
    // The right scheme and host pass the Origin check (whatever the route then says).
    const same = await write({ origin: direct.url });
    expect(same.status).not.toBe(403);
  });

  it('reads JSON only as application/json', async () => {
    const send = (type: string) =>
      call(direct, '/api/jobs/failed/retry', {
        method: 'POST',
        body: '{}',
        headers: { authorization, origin: direct.url, 'content-type': type },
      });
    for (const type of ['application/jsonx', 'application/json-patch', 'text/plain']) {
      const answer = await send(type);
      expect(answer.status, type).toBe(415);
      expect(answer.body).toMatchObject({ error: { code: 'expected_json' } });
    }
    expect((await send('Application/JSON; charset=utf-8')).status).not.toBe(415);
  });

  it('paths that only look like build assets get authentication and security headers', async () => {
    for (const path of [
      '/_next/imagefoo',
      '/_next/staticfoo',
      '/_next/image?url=%2Ficon.svg&w=64&q=75',
    ]) {
      const answer = await call(direct, path);
      expect(answer.status, path).toBe(401);
      expect(answer.headers.get('content-security-policy'), path).toContain(
        "frame-ancestors 'none'",
      );
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('sends HSTS only when PUBLIC_URL is https', async () => {
    const secure = await call(proxied, '/api/health');
    expect(secure.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const refused = await call(proxied, '/');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const plain = await call(direct, '/api/health');
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});
