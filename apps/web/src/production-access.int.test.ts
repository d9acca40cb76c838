import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
 * Production access control (docs/security.md) against the real production server: the
 * standalone `next build` output, shared with the other tests that need it, started several times
 * with different environments. Routes come from the app's route files, so a page or API route
 * added later is covered without touching this test.
 */

const appDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'app');
const user = 'operator';
const password = 'a-long-test-password';
const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

type Route = { file: string; pattern: string; methods: string[] };

/** Every page.tsx and route.ts under src/app, with the HTTP methods it answers. */
function appRoutes(dir = appDir): Route[] {
  const routes: Route[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      routes.push(...appRoutes(full));
      continue;
    }
    const match = /^(page|route)\.(ts|tsx|js|jsx)$/.exec(entry.name);
    if (!match) continue;
    const segments = path
      .relative(appDir, dir)
      .split(path.sep)
      .filter((s) => s && !/^\(.*\)$/.test(s) && !s.startsWith('@')); // groups, slots
    const pattern = `/${segments.join('/')}`;
    if (match[1] === 'page') {
      routes.push({ file: full, pattern, methods: ['GET'] });
      continue;
    }
    const source = readFileSync(full, 'utf8');
    const methods = [
      ...source.matchAll(
        /export\s+(?:const|(?:async\s+)?function)\s+(GET|HEAD|POST|PUT|PATCH|DELETE)\b/g,
      ),
    ].map((m) => m[1] as string);
    routes.push({ file: full, pattern, methods });
  }
  return routes;
}

/** A URL path for a route pattern: dynamic segments get an id that exists. */
const toPath = (pattern: string, id: string) =>
  pattern.replace(/\[\[?\.\.\.[^\]]+\]\]?/g, id).replace(/\[[^\]]+\]/g, id);

const routes = appRoutes();
const isHealth = (route: Route) => route.pattern === '/api/health';

describe('production access control (next build output)', () => {
  let web: StagedWeb;
  let base: Record<string, string>;
  let auth: WebServer;
  let demo: WebServer;
  // An existing row for the routes with an [id] (the demo's imports); none without the demo.
  let importId = '00000000-0000-4000-8000-000000000000';

  async function start(env: Record<string, string>): Promise<WebServer> {
    const server = await startWeb(web, { ...base, ...env });
    await waitForHealthy(server);
    return server;
  }

  /** fetch that reads the status and headers, then drops the body (SSE streams never end). */
  async function request(server: WebServer, pathname: string, init: RequestInit = {}) {
    const controller = new AbortController();
    const response = await fetch(`${server.url}${pathname}`, {
      redirect: 'manual',
      ...init,
      signal: controller.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('application/json') ? await response.json() : undefined;
    controller.abort();
    return { status: response.status, headers: response.headers, body };
  }

  beforeAll(async () => {
    const env = await testEnv();
    web = await stageStandaloneWeb();
    base = {
      NODE_ENV: 'production',
      HOSTNAME: '127.0.0.1',
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: await uniquePrefix('access'),
      LOG_LEVEL: 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
    };
    [auth, demo] = await Promise.all([
      start({
        BASIC_AUTH_USER: user,
        BASIC_AUTH_PASSWORD: password,
        // demo:start
        IMPORT_RATE_LIMIT: '3/minute',
        // demo:end
        // This test plays the reverse proxy: its X-Forwarded-For names the client.
        TRUSTED_PROXIES: '127.0.0.1',
      }),
      start({ PUBLIC_DEMO: 'true' }),
    ]);
    // demo:start
    // An import that exists, so /imports/[id] and its API routes answer 200 rather than 404.
    const form = new FormData();
    form.append('file', new File(['email\nada@example.com\n'], 'seed.csv', { type: 'text/csv' }));
    const created = await fetch(`${auth.url}/api/imports`, {
      method: 'POST',
      body: form,
      headers: { authorization, origin: auth.url, 'x-forwarded-for': '198.51.100.1' },
    });
    expect(created.status).toBe(202);
    importId = ((await created.json()) as { import: { id: string } }).import.id;
    // demo:end
  }, 300_000);

  afterAll(async () => {
    await Promise.all([auth?.stop(), demo?.stop()]);
    await web?.remove();
  });

  it('finds the app’s routes in its files', () => {
    const patterns = routes.map((r) => r.pattern);
    // A sanity floor, not a list: the enumeration must see pages, API routes and dynamic ones.
    expect(patterns).toEqual(expect.arrayContaining(['/', '/api/health', '/api/examples']));
    // demo:start
    // Dynamic routes (the skeleton has none): the demo's /imports/[id] and its API.
    expect(patterns.some((p) => p.includes('['))).toBe(true);
    // demo:end
    for (const route of routes) expect(route.methods.length, route.file).toBeGreaterThan(0);
  });

  it('answers 401 with a Basic challenge on every route but /api/health without credentials', async () => {
    const unknown = `/no-such-page-${randomUUID()}`;
    for (const route of routes.filter((r) => !isHealth(r))) {
      for (const method of route.methods) {
        const target = toPath(route.pattern, importId);
        const response = await request(auth, target, { method, headers: { origin: auth.url } });
        expect(response.status, `${method} ${target}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Basic realm="App", charset="UTF-8"');
        expect(response.body).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
    // Paths that no file serves are refused too: nothing is reachable before signing in.
    expect((await request(auth, unknown)).status).toBe(401);
    const wrong = `Basic ${Buffer.from(`${user}:not-the-password`).toString('base64')}`;
    expect((await request(auth, '/', { headers: { authorization: wrong } })).status).toBe(401);
    expect((await request(auth, '/api/health')).status).toBe(200);
  });

  it('answers reads with 200 and accepts writes with the credentials', async () => {
    for (const route of routes) {
      for (const method of route.methods) {
        const target = toPath(route.pattern, importId);
        const response = await request(auth, target, {
          method,
          headers: { authorization, origin: auth.url },
        });
        if (method === 'GET' || method === 'HEAD') {
          expect(response.status, `${method} ${target}`).toBe(200);
        } else {
          // Writes without a proper body answer 4xx from the route itself, never 401/403.
          expect([401, 403], `${method} ${target}`).not.toContain(response.status);
          expect(response.status, `${method} ${target}`).toBeLessThan(500);
        }
      }
    }
  });

  it('sends the security headers, and the page’s scripts carry the CSP nonce', async () => {
    const response = await fetch(`${auth.url}/examples`, { headers: { authorization } });
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('permissions-policy')).toContain('camera=()');
    // The not-found page too: a prerendered page would have no nonce and its scripts would be blocked.
    const missing = await fetch(`${auth.url}/no-such-page`, { headers: { authorization } });
    expect(missing.status).toBe(404);
    const missingNonce = /'nonce-([^']+)'/.exec(
      missing.headers.get('content-security-policy') ?? '',
    )?.[1];
    const missingScripts = [...(await missing.text()).matchAll(/<script\b[^>]*>/g)];
    expect(missingScripts.length).toBeGreaterThan(0);
    for (const [tag] of missingScripts) expect(tag).toContain(`nonce="${missingNonce}"`);
    // A fresh nonce per response.
    const again = await fetch(`${auth.url}/examples`, { headers: { authorization } });
    expect(again.headers.get('content-security-policy')).not.toBe(csp);
    await again.body?.cancel();
    // Responses the proxy answers itself carry them too.
    const refused = await request(auth, '/');
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('refuses a write from a foreign Origin, or without one, with 403', async () => {
    for (const origin of ['https://evil.example', undefined]) {
      const headers: Record<string, string> = { authorization };
      if (origin) headers.origin = origin;
      const response = await request(auth, '/api/examples', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'from elsewhere' }),
      });
      expect(response.status, String(origin)).toBe(403);
      expect(response.body).toMatchObject({ error: { code: 'bad_origin' } });
    }
  });

  // demo:start
  it('limits uploads per client: 429 with Retry-After past IMPORT_RATE_LIMIT', async () => {
    const upload = (client: string) =>
      request(auth, '/api/imports', {
        method: 'POST',
        // Not multipart: the route refuses it (415) after counting it, which keeps this quick.
        body: 'not a form',
        headers: { authorization, origin: auth.url, 'x-forwarded-for': client },
      });
    const client = '203.0.113.9';
    for (let i = 0; i < 3; i++) expect((await upload(client)).status).toBe(415);
    const limited = await upload(client);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    // Another client has its own budget.
    expect((await upload('203.0.113.10')).status).toBe(415);
  });
  // demo:end

  it('PUBLIC_DEMO=true: every read answers 200 without credentials, every write 403', async () => {
    for (const route of routes) {
      for (const method of route.methods) {
        const target = toPath(route.pattern, importId);
        const response = await request(demo, target, { method, headers: { origin: demo.url } });
        if (method === 'GET' || method === 'HEAD') {
          expect(response.status, `${method} ${target}`).toBe(200);
        } else {
          expect(response.status, `${method} ${target}`).toBe(403);
          expect(response.body).toMatchObject({ error: { code: 'read_only_demo' } });
        }
      }
    }
  });

  it('refuses to start in production without credentials or PUBLIC_DEMO: exit 1, one clear line', async () => {
    const started = await startWeb(web, base);
    expect(await started.exited).toBe(1);
    const problems = started
      .output()
      .split('\n')
      .filter((line) => line.includes('BASIC_AUTH'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/BASIC_AUTH_USER.*BASIC_AUTH_PASSWORD.*PUBLIC_DEMO=true/);
    expect(started.output()).not.toMatch(/\n\s+at /);
  });
});
