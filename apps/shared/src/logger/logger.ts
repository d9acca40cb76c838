import pino, { type DestinationStream, type Logger, stdSerializers } from 'pino';
import pretty from 'pino-pretty';

export { watchErrors } from './log-errors.ts';
export type { Logger };
export type LogOptions = {
  name: string;
  level: string;
  format: 'json' | 'pretty';
  version: string;
  /**
   * Values that must never be printed (passwords, connection strings): every written line is
   * scrubbed of them, whatever logged them. Pass the URLs themselves; their passwords are taken out.
   */
  secrets?: readonly (string | undefined)[];
  /** Where JSON lines go (default stdout); tests capture them. */
  stream?: DestinationStream;
};

/**
 * Structured JSON logs in production (one object a line, for Coolify/Docker log drivers);
 * the same records made readable in development. The pretty stream is synchronous on purpose:
 * pino transports spawn threads that bundlers (Next, esbuild) cannot follow.
 */
export function createLogger(options: LogOptions): Logger {
  const base = { app: options.name, version: options.version };
  const scrub = secretScrubber(options.secrets ?? []);
  const settings = {
    level: options.level,
    base,
    serializers: { err: serializeError },
    hooks: { streamWrite: scrub },
  };
  if (options.format === 'pretty') {
    // pino-pretty colours only a terminal and honours NO_COLOR/FORCE_COLOR (run-apps passes them).
    const stream = pretty({ sync: true, ignore: 'pid,hostname,app,version' });
    return pino(settings, stream);
  }
  return options.stream ? pino(settings, options.stream) : pino(settings);
}

const REDACTED = '[redacted]';
// user:password@ in any URL-like string (postgres://, redis://, rediss://, amqp://, …).
// Greedy up to the last @ before the path: a password may contain @ itself.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^/\s]*@/gi;
// Redis commands whose arguments are credentials.
const CREDENTIAL_COMMANDS = new Set(['auth', 'hello', 'migrate', 'acl', 'config']);

/** Passwords out of connection strings inside free text (messages, stacks). */
export function redactUrls(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`);
}

/**
 * pino's `err` serializer with the causes kept as objects (a drizzle "Failed query" keeps the
 * Postgres error with its code under `cause`), then made safe to print: ioredis attaches the failed
 * command to its errors (`command: { name: 'auth', args: [password] }`), so arguments are replaced
 * by their count, and URL passwords are cut out of every string.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) {
    return typeof error === 'string' ? redactUrls(error) : error;
  }
  return sanitize(stdSerializers.errWithCause(error), 0);
}

// A failed 5000-row insert has a query text of tens of KB: enough of it to recognise is kept.
const MAX_STRING = 4000;

function sanitize(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return clip(redactUrls(value));
  if (!value || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.map((item) => sanitize(item, depth + 1));
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  // drizzle's "Failed query" puts its parameters (user data: emails, names) in the message and so
  // in the stack: cut them out of both, keep their count.
  const params = Array.isArray(record.params) ? `params: ${record.params}` : undefined;
  for (const [key, raw] of Object.entries(record)) {
    const item =
      params && typeof raw === 'string' ? raw.split(params).join(`params: ${REDACTED}`) : raw;
    if (key === 'params' && Array.isArray(item)) {
      out.params = `[${item.length} parameters redacted]`;
      continue;
    }
    if (key === 'raw') continue; // pino's reference to the original error; never printed
    if (key === 'command' && item && typeof item === 'object' && 'args' in item) {
      out.command = redisCommand(item as { name?: unknown; args?: unknown });
      continue;
    }
    // ioredis keeps its options (with the password) on some errors; postgres.js its query params.
    if (key === 'options' || key === 'password' || key === 'parameters') {
      out[key] = REDACTED;
      continue;
    }
    out[key] = sanitize(item, depth + 1);
  }
  return out;
}

function clip(text: string): string {
  return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}… [${text.length} chars]` : text;
}

function redisCommand(command: { name?: unknown; args?: unknown }) {
  const name = typeof command.name === 'string' ? command.name : 'unknown';
  const args = Array.isArray(command.args) ? command.args.length : 0;
  // Even for harmless commands the arguments are user data (keys with client addresses, job
  // payloads); the name and the count are what a reader needs.
  const note = CREDENTIAL_COMMANDS.has(name.toLowerCase()) ? 'credentials' : 'arguments';
  return { name, args: `[${args} ${note} redacted]` };
}

/**
 * The last line of defence, on the written text: every known secret value (raw, as JSON escapes
 * it, as a URL encodes it) becomes [redacted]. Values shorter than 4 characters are skipped, as
 * they would garble every line; the structural redaction above still covers them.
 */
function secretScrubber(inputs: readonly (string | undefined)[]): (line: string) => string {
  const values = new Set<string>();
  for (const input of inputs) {
    if (!input) continue;
    const fromUrl = URL.canParse(input) ? new URL(input).password : '';
    for (const secret of fromUrl ? [fromUrl, safeDecode(fromUrl)] : [input]) {
      if (secret.length < 4) continue;
      values.add(secret);
      values.add(JSON.stringify(secret).slice(1, -1));
      values.add(encodeURIComponent(secret));
    }
  }
  const list = [...values].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (line) => line;
  return (line) => {
    let out = line;
    for (const secret of list) out = out.split(secret).join(REDACTED);
    return out;
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
