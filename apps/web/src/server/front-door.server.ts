import { env } from '../env';
import { type AccessConfig, decideAccess, wwwAuthenticate } from './access-control.server';
import { contentSecurityPolicy, newNonce, staticSecurityHeaders } from './security-headers.server';

/**
 * The checks every request passes before a route sees it: access control, the Origin check and
 * the security headers. `src/proxy.ts` applies them to every path it matches; the upload route,
 * which the proxy must not see (docs/decisions/0060), applies the same functions itself through
 * `guarded()`, so the rules exist once.
 */

let cachedConfig: AccessConfig | undefined;

export function accessConfig(): AccessConfig {
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

export const newCsp = () => contentSecurityPolicy(newNonce(), env().NODE_ENV === 'development');

/** The JSON 401/403 for a request the access rules refuse; undefined lets it through. */
export function accessDenial(request: {
  method: string;
  pathname: string;
  headers: Headers;
}): Response | undefined {
  const denial = decideAccess(request, accessConfig());
  if (!denial) return undefined;
  const response = Response.json(
    { error: { code: denial.code, message: denial.message } },
    { status: denial.status, headers: { 'cache-control': 'no-store' } },
  );
  if (denial.status === 401) response.headers.set('www-authenticate', wwwAuthenticate);
  return response;
}

export function withSecurityHeaders<R extends Response>(response: R, csp: string): R {
  response.headers.set('content-security-policy', csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders)) {
    response.headers.set(name, value);
  }
  return response;
}

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/**
 * For a route the proxy's matcher leaves out: the proxy's access checks run first (before a byte
 * of the body is read) and every answer gets the proxy's headers.
 */
export function guarded<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    const csp = newCsp();
    const denial = accessDenial({
      method: request.method,
      pathname: new URL(request.url).pathname,
      headers: request.headers,
    });
    return withSecurityHeaders(denial ?? (await handler(request, context)), csp);
  };
}
