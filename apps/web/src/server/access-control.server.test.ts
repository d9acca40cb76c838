import { describe, expect, it } from 'vitest';
import {
  type AccessConfig,
  basicAuthMatches,
  decideAccess,
  originAllowed,
} from './access-control.server';

const credentials = { user: 'admin', password: 'correct horse battery' };
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function request(method: string, pathname: string, headers: Record<string, string> = {}) {
  // As Coolify's proxy (a trusted one) forwards an HTTPS request.
  const forwarded = { host: 'app.example.com', 'x-forwarded-proto': 'https' };
  return { method, pathname, headers: new Headers({ ...forwarded, ...headers }) };
}
const sameOrigin = { origin: 'https://app.example.com' };
const signedIn = { authorization: basic(credentials.user, credentials.password) };

const production: AccessConfig = { production: true, credentials, publicDemo: false };
const demo: AccessConfig = { production: true, publicDemo: true };
const demoWithCredentials: AccessConfig = { production: true, credentials, publicDemo: true };
const development: AccessConfig = { production: false, publicDemo: false };

describe('decideAccess', () => {
  it('production: 401 without credentials or with wrong ones, through with the right ones', () => {
    expect(decideAccess(request('GET', '/'), production)?.status).toBe(401);
    expect(decideAccess(request('GET', '/api/imports'), production)?.code).toBe('unauthorized');
    const wrong = { authorization: basic('admin', 'wrong') };
    expect(decideAccess(request('GET', '/', wrong), production)?.status).toBe(401);
    expect(decideAccess(request('GET', '/', signedIn), production)).toBeUndefined();
    expect(
      decideAccess(request('POST', '/api/imports', { ...signedIn, ...sameOrigin }), production),
    ).toBeUndefined();
  });

  it('leaves /api/health open in every mode', () => {
    for (const config of [production, demo, development]) {
      expect(decideAccess(request('GET', '/api/health'), config)).toBeUndefined();
    }
  });

  it('public demo: reads open, writes 403 read-only, valid credentials may write', () => {
    expect(decideAccess(request('GET', '/imports'), demo)).toBeUndefined();
    expect(decideAccess(request('HEAD', '/api/contacts'), demo)).toBeUndefined();
    expect(decideAccess(request('POST', '/api/imports', sameOrigin), demo)).toMatchObject({
      status: 403,
      code: 'read_only_demo',
    });
    expect(
      decideAccess(request('POST', '/api/imports', { ...signedIn, ...sameOrigin }), demo)?.status,
    ).toBe(401); // no credentials configured: none can be valid
    expect(
      decideAccess(
        request('POST', '/api/imports', { ...signedIn, ...sameOrigin }),
        demoWithCredentials,
      ),
    ).toBeUndefined();
    const wrong = { authorization: basic('admin', 'nope') };
    expect(decideAccess(request('GET', '/', wrong), demoWithCredentials)?.status).toBe(401);
  });

  it('development: no authentication, but writes still need the same Origin', () => {
    expect(decideAccess(request('GET', '/'), development)).toBeUndefined();
    expect(decideAccess(request('POST', '/api/imports', sameOrigin), development)).toBeUndefined();
    expect(decideAccess(request('DELETE', '/api/imports/x'), development)).toMatchObject({
      status: 403,
      code: 'bad_origin',
    });
  });

  it('refuses every state-changing method from a foreign or missing Origin', () => {
    const origins: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      {},
    ];
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const origin of origins) {
        expect(
          decideAccess(request(method, '/api/imports', { ...signedIn, ...origin }), production),
        ).toMatchObject({ status: 403, code: 'bad_origin' });
      }
    }
  });
});

describe('originAllowed', () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  it('without PUBLIC_URL compares with X-Forwarded-Host, else Host', () => {
    expect(
      originAllowed(headers({ host: 'a.test:3000', origin: 'http://a.test:3000' }), undefined),
    ).toBe(true);
    expect(
      originAllowed(headers({ host: 'a.test:3000', origin: 'http://a.test:3001' }), undefined),
    ).toBe(false);
    expect(
      originAllowed(
        headers({
          host: 'web:3000',
          'x-forwarded-host': 'app.example.com',
          'x-forwarded-proto': 'https',
          origin: 'https://app.example.com',
        }),
        undefined,
      ),
    ).toBe(true);
    expect(originAllowed(headers({ origin: 'https://app.example.com' }), undefined)).toBe(false);
  });

  it('without PUBLIC_URL the scheme must match too', () => {
    const plain = { host: 'a.test:3000' };
    for (const origin of ['https://a.test:3000', 'ws://a.test:3000', 'ftp://a.test:3000']) {
      expect(originAllowed(headers({ ...plain, origin }), undefined), origin).toBe(false);
    }
    const tls = { host: 'a.test', 'x-forwarded-proto': 'https' };
    expect(originAllowed(headers({ ...tls, origin: 'https://a.test' }), undefined)).toBe(true);
    expect(originAllowed(headers({ ...tls, origin: 'http://a.test' }), undefined)).toBe(false);
  });

  it('with PUBLIC_URL requires exactly its origin, scheme included', () => {
    const url = 'https://app.example.com';
    expect(originAllowed(headers({ host: 'x', origin: 'https://app.example.com' }), url)).toBe(
      true,
    );
    expect(
      originAllowed(headers({ host: 'app.example.com', origin: 'http://app.example.com' }), url),
    ).toBe(false);
    expect(
      originAllowed(headers({ host: 'app.example.com', origin: 'https://evil.example' }), url),
    ).toBe(false);
  });
});

describe('basicAuthMatches', () => {
  it('accepts exactly the configured pair, including a password with a colon', () => {
    const withColon = { user: 'u', password: 'p:a:s:s-word-long' };
    expect(basicAuthMatches(basic('u', 'p:a:s:s-word-long'), withColon)).toBe(true);
    expect(basicAuthMatches(basic('admin', 'correct horse battery'), credentials)).toBe(true);
    expect(basicAuthMatches(basic('Admin', 'correct horse battery'), credentials)).toBe(false);
    expect(basicAuthMatches(basic('admin', 'correct horse batter'), credentials)).toBe(false);
    expect(basicAuthMatches('Bearer abc', credentials)).toBe(false);
    expect(basicAuthMatches('Basic !!!', credentials)).toBe(false);
    expect(
      basicAuthMatches(`Basic ${Buffer.from('nocolon').toString('base64')}`, credentials),
    ).toBe(false);
  });
});
