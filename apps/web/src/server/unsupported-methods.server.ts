import { type IncomingMessage, Server, type ServerResponse } from 'node:http';
import { staticSecurityHeaders } from './security-headers.server';

// The Fetch standard forbids these methods: `new Request()` throws for them, so Next's proxy and
// route handlers fail before any of our code runs, and every `curl -X TRACE` became a 500 with a
// stack trace in the log (issue 12). Nothing here serves them, so they are answered before Next
// sees the request. (CONNECT never reaches a 'request' listener; Node emits 'connect' for it.)
const unsupported = new Set(['TRACE', 'TRACK', 'CONNECT']);
const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const installed = Symbol.for('app.unsupportedMethods');

/**
 * Makes every HTTP server in this process answer TRACE/TRACK with a JSON 405. Next creates its
 * server before instrumentation runs and offers no hook in front of its request handler, so this
 * wraps `emit` on the prototype: the one place every request passes through.
 */
export function refuseUnsupportedMethods(): void {
  const proto = Server.prototype as Server & { [installed]?: true };
  if (proto[installed]) return;
  proto[installed] = true;
  const emit = proto.emit;
  proto.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const [request, response] = args as [IncomingMessage, ServerResponse];
      if (request.method && unsupported.has(request.method)) {
        const body = JSON.stringify({
          error: { code: 'method_not_allowed', message: `${request.method} is not supported` },
        });
        response.writeHead(405, {
          ...staticSecurityHeaders,
          allow: ALLOW,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
        });
        response.end(body);
        request.resume(); // drain whatever body was sent
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof proto.emit;
}
