import type { Logger } from 'pino';
import { UNTRUSTED_TLS_CODES } from '../redis.ts';

type ErrorSource = { on(event: 'error', listener: (error: Error) => void): unknown };

export type WatchOptions = {
  /** One line per error code per window; the next line after it says how many were suppressed. */
  windowMs?: number;
  /** The clock (tests). */
  now?: () => number;
};

type Seen = { until: number; suppressed: number };

// Shared by every client watched with the same logger: a Redis outage seen by ten clients (one
// connection, three queues, four workers, their blocking connections) is still one line.
const limiters = new WeakMap<Logger, Map<string, Seen>>();

// What to do about it, by error code: every failure names its fix.
const hints: Record<string, string> = {
  WRONGPASS: 'Redis refused the password: check the password in REDIS_URL',
  NOAUTH: 'Redis wants a password: put it in REDIS_URL (redis://:password@host:6379)',
  ECONNREFUSED: 'Redis is not accepting connections: is it running, and is REDIS_URL right?',
  ENOTFOUND: 'the Redis host name does not resolve: check REDIS_URL',
  ETIMEDOUT:
    'Redis did not answer in time: check the network and REDIS_URL (with rediss://, that the port is the TLS one)',
};
// A rediss:// server whose certificate chain is not trusted (a private CA, or the wrong one).
const untrustedTls =
  "Redis's TLS certificate is not signed by a trusted CA: set REDIS_CA_FILE to the PEM file of your provider's CA certificate";
for (const code of UNTRUSTED_TLS_CODES) hints[code] = untrustedTls;
hints.ERR_TLS_CERT_ALTNAME_INVALID =
  "Redis's TLS certificate is for another host name: use the host name your provider gives in REDIS_URL";
hints.EPROTO =
  'Redis does not speak TLS on that port: use the TLS port with rediss://, or redis:// without TLS';
hints.ERR_SSL_WRONG_VERSION_NUMBER = hints.EPROTO;

/**
 * The one `error` listener for a Redis client or BullMQ object (Queue, Worker, QueueEvents, …).
 * Without a listener, ioredis and BullMQ fall back to console.error, which prints multi-line
 * non-JSON dumps, many per second, and with a wrong password the AUTH command with the password
 * itself. This logs one JSON line per error code per window through the redacting serializer.
 */
export function watchErrors<T extends ErrorSource>(
  target: T,
  logger: Logger,
  source: string,
  options: WatchOptions = {},
): T {
  const windowMs = options.windowMs ?? 30_000;
  let seen = limiters.get(logger);
  if (!seen) {
    seen = new Map();
    limiters.set(logger, seen);
  }
  const table = seen;
  target.on('error', (error: Error) => {
    const code = errorCode(error);
    const now = (options.now ?? Date.now)();
    const entry = table.get(code);
    if (entry && now < entry.until) {
      entry.suppressed++;
      return;
    }
    table.set(code, { until: now + windowMs, suppressed: 0 });
    const hint = hints[code];
    const level = code === 'WRONGPASS' || code === 'NOAUTH' ? 'error' : 'warn';
    logger[level](
      {
        source,
        code,
        err: error,
        ...(entry?.suppressed ? { suppressed: entry.suppressed } : {}),
        ...(hint ? { hint } : {}),
        windowSeconds: Math.round(windowMs / 1000),
      },
      `redis error (${code})`,
    );
  });
  return target;
}

/** ioredis' `code` (ECONNREFUSED …), else a Redis reply's first word (WRONGPASS, NOAUTH, …). */
export function errorCode(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code) return code;
  const word = /^([A-Z][A-Z_]+)\b/.exec(error.message ?? '')?.[1];
  if (word && word !== 'ERR') return word;
  return (error.message ?? error.name).slice(0, 60);
}
