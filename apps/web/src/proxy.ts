import { type NextRequest, NextResponse } from 'next/server';
import { env } from './env';
import { type AccessConfig, decideAccess, wwwAuthenticate } from './server/access-control.server';
import {
  contentSecurityPolicy,
  newNonce,
  staticSecurityHeaders,
} from './server/security-headers.server';

/**
 * Runs before every page and API route (Next 16's `proxy.ts`, formerly middleware; Node.js
 * runtime): production access control, the CSRF Origin check and the security headers. New routes
 * are covered by default: the matcher excludes only Next's own build assets.
 * docs/security.md describes the behaviour; docs/decisions/0050 why it is built this way.
 */
export function proxy(request: NextRequest) {
  const config = accessConfig();
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, env().NODE_ENV === 'development');

  const denial = decideAccess(
    { method: request.method, pathname: request.nextUrl.pathname, headers: request.headers },
    config,
  );
  if (denial) {
    const response = NextResponse.json(
      { error: { code: denial.code, message: denial.message } },
      { status: denial.status },
    );
    if (denial.status === 401) response.headers.set('www-authenticate', wwwAuthenticate);
    response.headers.set('cache-control', 'no-store');
    return withSecurityHeaders(response, csp);
  }

  // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', csp);
  return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp);
}

function withSecurityHeaders(response: NextResponse, csp: string): NextResponse {
  response.headers.set('content-security-policy', csp);
  // Only when the operator said the site is HTTPS: over plain HTTP browsers ignore it anyway, and
  // a wrong guess would lock browsers out of an HTTP-only site for a year.
  if (hstsEnabled()) response.headers.set('strict-transport-security', HSTS);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) {
    response.headers.set(name, value);
  }
  return response;
}

const HSTS = 'max-age=31536000';
const hstsEnabled = () =>
  env().NODE_ENV === 'production' && Boolean(env().PUBLIC_URL?.startsWith('https://'));

let cachedConfig: AccessConfig | undefined;

function accessConfig(): AccessConfig {
  if (cachedConfig) return cachedConfig;
  const e = env();
  cachedConfig = {
    production: e.NODE_ENV === 'production',
    credentials:
      e.BASIC_AUTH_USER && e.BASIC_AUTH_PASSWORD
        ? { user: e.BASIC_AUTH_USER, password: e.BASIC_AUTH_PASSWORD }
        : undefined,
    publicDemo: e.PUBLIC_DEMO,
    publicUrl: e.PUBLIC_URL,
  };
  return cachedConfig;
}

export const config = {
  // Everything except Next's hashed build assets (public code, no secrets, cached forever).
  // Prefetches are not excluded: they fetch page data and must be authenticated too. The trailing
  // slash matters: without it `/_next/staticfoo` would skip auth and headers. The image optimizer
  // (`/_next/image`) is not excluded: the app has no images, and browsers send the credentials.
  matcher: ['/((?!_next/static/).*)'],
};
