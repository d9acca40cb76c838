import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { within } from './wait.ts';

/** A Redis configuration mistake found before connecting (an unreadable REDIS_CA_FILE). */
export class RedisConfigError extends Error {
  override name = 'RedisConfigError';
}

// One read per file per process: every connection (and BullMQ's duplicates of it) shares it.
const caCache = new Map<string, Buffer>();

function readCa(caFile: string): Buffer {
  const cached = caCache.get(caFile);
  if (cached) return cached;
  let pem: Buffer;
  try {
    pem = readFileSync(caFile);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new RedisConfigError(
      `REDIS_CA_FILE: cannot read ${caFile} (${code}): set it to the path of the PEM file with your Redis provider's CA certificate`,
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new RedisConfigError(
      `REDIS_CA_FILE: ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----): use the provider's CA certificate in PEM form`,
    );
  }
  caCache.set(caFile, pem);
  return pem;
}

/**
 * The connection options every Redis client of the repository starts from (web, worker, events
 * reader, rate limiter, scripts, the migration tool). redis:// adds nothing. rediss:// verifies
 * the server's certificate, against REDIS_CA_FILE when given (a provider's private CA), else the
 * system's CAs; the host name in the URL must match the certificate. Throws RedisConfigError when
 * the CA file cannot be used.
 */
export function redisOptions(url: string, caFile?: string): RedisOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== 'rediss:') return {};
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return {
    tls: {
      rejectUnauthorized: true,
      ...(caFile ? { ca: readCa(caFile) } : {}),
      // SNI needs a name; an IP address is checked against the certificate's IP entries instead.
      ...(isIP(host) ? {} : { servername: host }),
    },
  };
}

/** host:port of a Redis URL, for messages: never the user or the password. */
export function redisHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return '(invalid REDIS_URL)';
  }
}

/** Node's codes for a certificate chain it cannot trust (a private CA, or the wrong one). */
export const UNTRUSTED_TLS_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * One line saying what is wrong with a TLS connection to Redis and what to set, or undefined when
 * `error` is not a TLS failure (Redis down, a wrong password: those have their own hints). TLS
 * failures never heal by retrying, so a process at start can stop on them.
 */
export function describeTlsFailure(error: Error, url: string, caFile?: string): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const at = `Redis at ${redisHost(url)} (REDIS_URL)`;
  const trust = caFile
    ? `the CA in REDIS_CA_FILE (${caFile})`
    : 'the system CAs (REDIS_CA_FILE unset)';
  if (UNTRUSTED_TLS_CODES.has(code)) {
    return `${at}: its TLS certificate is not signed by ${trust} (${code}): set REDIS_CA_FILE to the PEM file of the CA that signed it (your provider's CA certificate)`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${at}: its TLS certificate is not for this host name (${code}): use the host name your provider gives in REDIS_URL (REDIS_CA_FILE is not the problem)`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `${at}: its TLS certificate is outside its validity (${code}): check the server's certificate and this machine's clock (REDIS_CA_FILE is not the problem)`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
    return `${at}: the server does not speak TLS there (${code}): rediss:// needs the provider's TLS port; use redis:// for a server without TLS (and unset REDIS_CA_FILE)`;
  }
  return undefined;
}

/**
 * Connection for BullMQ Workers and QueueEvents: blocking commands must wait out a Redis restart
 * rather than fail, so requests retry forever (BullMQ insists on `maxRetriesPerRequest: null`).
 */
export function createWorkerConnection(
  url: string,
  caFile?: string,
  extra: RedisOptions = {},
): Redis {
  return new Redis(url, { ...redisOptions(url, caFile), maxRetriesPerRequest: null, ...extra });
}

/**
 * Connection for producers inside HTTP handlers: with the offline queue off, a command while Redis
 * is down fails at once, so the request answers 503 instead of hanging.
 */
export function createProducerConnection(
  url: string,
  caFile?: string,
  extra: RedisOptions = {},
): Redis {
  return new Redis(url, {
    ...redisOptions(url, caFile),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    ...extra,
  });
}

/** Resolves within `ms` either way: true when Redis answered PING. */
export async function pingRedis(redis: Redis, ms = 1000): Promise<boolean> {
  try {
    return (await within(redis.ping(), ms)) === 'PONG';
  } catch {
    return false;
  }
}

/**
 * The server's maxmemory-policy: CONFIG GET, else INFO memory (managed services often refuse
 * CONFIG but report the policy there); undefined when neither answers.
 */
export async function readEvictionPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (reply[1]) return reply[1];
  } catch {
    // Refused (renamed or ACL-denied CONFIG): try INFO.
  }
  try {
    const info = await redis.info('memory');
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  } catch {
    return undefined;
  }
}
