/**
 * What a thrown error means for the client, from its code (and its causes': Drizzle wraps the
 * driver's error in "Failed query"). Pure, so the table is unit-tested; `route()` in
 * http.server.ts turns the class into the response.
 *
 * - `unavailable`: Postgres or Redis cannot serve right now (down, restarting, failing over, out of
 *   connections). Not the client's fault and not a bug: 503 with Retry-After.
 * - `bad_input`: Postgres refused a value the client sent (a NUL in text, an unparsable id or
 *   date). Routes validate first, with better messages; this is the backstop so that a value a
 *   validator missed is still a 400, never a 500.
 */
export type ErrorClass =
  // `postgres` when the error certainly came from Postgres (the health check reports it).
  { kind: 'unavailable'; postgres: boolean } | { kind: 'bad_input' };

// postgres.js's own connection errors, and Node's socket errors when it cannot reach the server.
const driverUnavailable = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);
const socketUnavailable = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// SQLSTATEs that mean "the server cannot take this now", not "this statement is wrong":
// 57P01 admin shutdown (pg_terminate_backend, a restart), 57P02 crash shutdown, 57P03 cannot
// connect now (starting up, in recovery), 53300 too many connections, 53400 a configured limit
// (a role's or database's CONNECTION LIMIT), 08xxx connection exceptions.
const sqlstateUnavailable = new Set(['57P01', '57P02', '57P03', '53300', '53400']);

type Coded = { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };

export function classifyError(error: unknown): ErrorClass | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const e = current as Coded;
    const code = typeof e.code === 'string' ? e.code : '';
    const isPostgres = e.name === 'PostgresError' || /^[0-9A-Z]{5}$/.test(code);
    if (driverUnavailable.has(code)) return { kind: 'unavailable', postgres: true };
    if (isPostgres && (sqlstateUnavailable.has(code) || code.startsWith('08'))) {
      return { kind: 'unavailable', postgres: true };
    }
    // Class 22 is "data exception": invalid text, NUL bytes, unparsable dates and numbers.
    if (isPostgres && code.startsWith('22')) return { kind: 'bad_input' };
    const message = typeof e.message === 'string' ? e.message : '';
    // ioredis without its offline queue, or with the connection gone.
    if (message.includes('enableOfflineQueue') || message.includes('Connection is closed')) {
      return { kind: 'unavailable', postgres: false };
    }
    if (socketUnavailable.has(code)) return { kind: 'unavailable', postgres: false };
    current = e.cause;
  }
  return undefined;
}
