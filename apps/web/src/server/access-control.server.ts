import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may do what, decided from the request alone (no I/O), so `src/proxy.ts` stays a thin shell
 * and the rules are unit-tested. The behaviour is documented in docs/security.md.
 */

export type AccessConfig = {
  /** Authentication is enforced only in production; development and tests stay open. */
  production: boolean;
  credentials?: { user: string; password: string };
  /** Reads need no credentials; writes need valid ones (or are refused as read-only). */
  publicDemo: boolean;
  /** The exact origin writes must come from; unset: the request's own host. */
  publicUrl?: string;
};

export type AccessRequest = {
  method: string;
  pathname: string;
  headers: Headers;
};

export type Denial = {
  status: 401 | 403;
  code: 'unauthorized' | 'read_only_demo' | 'bad_origin';
  message: string;
};

export const REALM = 'App';

// Open to the world in every mode: Docker's and Coolify's health checks and the deploy script.
const PUBLIC_PATHS = new Set(['/api/health']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isWrite = (method: string) => !READ_METHODS.has(method.toUpperCase());

/** undefined: let the request through. */
export function decideAccess(request: AccessRequest, config: AccessConfig): Denial | undefined {
  const write = isWrite(request.method);
  if (config.production && !PUBLIC_PATHS.has(request.pathname)) {
    const authorization = request.headers.get('authorization');
    if (authorization !== null) {
      // Wrong credentials are refused even where none are needed (a public demo's reads): a
      // client that believes it is signed in should learn that it is not.
      if (!config.credentials || !basicAuthMatches(authorization, config.credentials)) {
        return unauthorized();
      }
    } else if (!config.publicDemo) {
      return unauthorized();
    } else if (write) {
      return {
        status: 403,
        code: 'read_only_demo',
        message: 'this is a read-only public demo: changes need the operator’s credentials',
      };
    }
  }
  // CSRF: browsers always send Origin on cross-site POST/PUT/PATCH/DELETE, and a page on another
  // site cannot forge it. Non-browser clients (curl, scripts) send it themselves.
  if (write && !originAllowed(request.headers, config.publicUrl)) {
    return {
      status: 403,
      code: 'bad_origin',
      message: 'state-changing requests must carry this site’s Origin header',
    };
  }
  return undefined;
}

function unauthorized(): Denial {
  return { status: 401, code: 'unauthorized', message: 'sign in with the operator’s credentials' };
}

/**
 * Compares SHA-256 digests: equal lengths for timingSafeEqual whatever was sent, so neither the
 * length nor the first wrong byte of the user name or password shows in the response time. Both
 * comparisons always run.
 */
export function basicAuthMatches(
  authorization: string,
  expected: { user: string; password: string },
): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = sameSecret(decoded.slice(0, colon), expected.user);
  const passwordOk = sameSecret(decoded.slice(colon + 1), expected.password);
  return userOk && passwordOk;
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * PUBLIC_URL set: Origin must be exactly its origin (scheme, host, port). Unset: Origin must be
 * the scheme and host the client addressed: X-Forwarded-Proto and X-Forwarded-Host from a trusted
 * proxy (client-address.server.ts drops them from anyone else; Next then fills them from the
 * socket and Host), else http and Host.
 */
export function originAllowed(headers: Headers, publicUrl: string | undefined): boolean {
  const origin = headers.get('origin');
  if (!origin || !URL.canParse(origin)) return false; // also "null" (sandboxed frames, file://)
  const parsed = new URL(origin);
  if (publicUrl) return parsed.origin === publicUrl;
  const first = (name: string) => headers.get(name)?.split(',')[0]?.trim().toLowerCase();
  const host = first('x-forwarded-host') || first('host');
  const scheme = first('x-forwarded-proto') || 'http';
  return Boolean(host) && parsed.protocol === `${scheme}:` && parsed.host === host;
}

export const wwwAuthenticate = `Basic realm="${REALM}", charset="UTF-8"`;
