import { type NextRequest, NextResponse } from 'next/server';
import { formatSize, PROXIED_BODY_MAX_BYTES } from './server/body-limits';
import { accessDenial, newCsp, withSecurityHeaders } from './server/front-door.server';

/**
 * Runs before every page and API route (Next 16's `proxy.ts`, formerly middleware; Node.js
 * runtime): production access control, the CSRF Origin check, the body limit and the security
 * headers. New routes are covered by default: the matcher excludes only Next's own build assets
 * and the upload route, which applies the same checks itself (`guarded()`, docs/decisions/0060).
 * docs/security.md describes the behaviour; docs/decisions/0050 why it is built this way.
 */
export function proxy(request: NextRequest) {
  const csp = newCsp();
  const { method, headers } = request;
  const denial = accessDenial({ method, pathname: request.nextUrl.pathname, headers });
  if (denial) return withSecurityHeaders(denial, csp);

  // Next copies the body for the proxy and cuts it silently at proxyClientMaxBodySize: refuse
  // what is announced larger, so no route ever sees a truncated body.
  const length = Number(headers.get('content-length') ?? 0);
  if (length > PROXIED_BODY_MAX_BYTES) {
    const message = `the request body is ${formatSize(length)}; the limit is ${formatSize(PROXIED_BODY_MAX_BYTES)}`;
    const response = Response.json({ error: { code: 'body_too_large', message } }, { status: 413 });
    return withSecurityHeaders(response, csp);
  }

  // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', csp);
  return withSecurityHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp);
}

export const config = {
  // Everything except Next's hashed build assets (public code, no secrets, cached forever) and
  // the upload route: Next would buffer a whole upload for the proxy, and even wait for all of a
  // refused one (docs/decisions/0060); that route runs the same checks itself.
  // Prefetches are not excluded: they fetch page data and must be authenticated too.
  matcher: ['/((?!_next/static/|_next/image|api/imports$).*)'],
};
