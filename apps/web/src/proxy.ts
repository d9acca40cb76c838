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
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const FORM_BODY = /^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\b/i;

const refusal = (status: number, code: string, message: string, extra: HeadersInit = {}) =>
  Response.json(
    { error: { code, message } },
    { status, headers: { 'cache-control': 'no-store', ...extra } },
  );

/**
 * The app has no Server Actions: writes go to /api route handlers. Next still takes a write with
 * a `Next-Action` header, a form body, or any write to a page path (a missing /api path renders
 * the not-found page, so it counts) as a Server Action call, and with none defined it logs
 * "Failed to find Server Action" with a stack for each (issue 12). Answered here instead. The one
 * route that takes a form, POST /api/imports, is outside the proxy's matcher.
 */
function refuseServerActionLookups(method: string, pathname: string, headers: Headers) {
  if (READ_METHODS.has(method)) return undefined;
  if (headers.has('next-action')) {
    return refusal(400, 'no_server_actions', 'this app has no Server Actions; use the /api routes');
  }
  const api = pathname === '/api' || pathname.startsWith('/api/');
  if (!api) {
    return refusal(405, 'method_not_allowed', `${method} is not supported on pages; use GET`, {
      allow: 'GET, HEAD',
    });
  }
  if (FORM_BODY.test(headers.get('content-type') ?? '')) {
    return refusal(
      415,
      'unsupported_media_type',
      'this endpoint takes JSON; file uploads go to POST /api/imports',
    );
  }
  return undefined;
}

export function proxy(request: NextRequest) {
  const csp = newCsp();
  const { method, headers } = request;
  const denial = accessDenial({ method, pathname: request.nextUrl.pathname, headers });
  if (denial) return withSecurityHeaders(denial, csp);

  const refused = refuseServerActionLookups(method, request.nextUrl.pathname, headers);
  if (refused) return withSecurityHeaders(refused, csp);

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
  // Prefetches are not excluded: they fetch page data and must be authenticated too. The trailing
  // slash matters: without it `/_next/staticfoo` would skip auth and headers. The image optimizer
  // (`/_next/image`) is not excluded: the app has no images, and browsers send the credentials.
  matcher: ['/((?!_next/static/|api/imports$).*)'],
};
