import { z } from 'zod';
import { formatSize, JSON_BODY_MAX_BYTES } from './body-limits';
import { classifyError } from './error-classes';
import { services } from './services.server';

/** An expected failure with the status and code the client sees. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export type ErrorBody = {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
};

export function errorResponse(error: ApiError, headers?: HeadersInit): Response {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.issues) body.error.issues = error.issues;
  return Response.json(body, { status: error.status, headers });
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

/** Parses with zod or throws a 400 listing every problem by path. */
export function parseInput<T extends z.ZodType>(
  schema: T,
  input: unknown,
  what = 'request',
): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ApiError(
    400,
    'invalid_input',
    `invalid ${what}`,
    result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
  );
}

export const uuidParam = z.uuid('not a valid id');

/** C0 control characters and DEL: never in a file name or an email, and NUL cannot be stored. */
export function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Text Postgres can store and compare: any string without a NUL (which `text` cannot hold). */
export const pgText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !value.includes('\0'), 'must not contain a NUL character');

// The last time Postgres was unavailable to a request: /api/health reports it, because the pool's
// idle connections can still answer `select 1` while every request needing a new connection fails
// (a connection limit reached). On globalThis: route bundles may each carry a copy of this module.
const health = globalThis as typeof globalThis & { __postgresUnavailableAt?: number };

/** Milliseconds since a request last failed because Postgres was unavailable (Infinity: never). */
export const sincePostgresUnavailable = () =>
  health.__postgresUnavailableAt
    ? Date.now() - health.__postgresUnavailableAt
    : Number.POSITIVE_INFINITY;

export const RETRY_AFTER_SECONDS = 5;

export function unavailableResponse(): Response {
  return errorResponse(
    new ApiError(503, 'unavailable', 'a backing service is unavailable; try again shortly'),
    { 'retry-after': String(RETRY_AFTER_SECONDS) },
  );
}

/**
 * The one place a thrown error becomes a response: an ApiError its 4xx, an unavailable Postgres or
 * Redis a 503 with Retry-After, a value Postgres refused a 400, anything else a logged 500 (no stack
 * to the client). Expected outcomes are logged at most as one warning line, never with a stack.
 */
export function errorToResponse(error: unknown, request: Request): Response {
  if (error instanceof ApiError) return errorResponse(error);
  const kind = classifyError(error);
  if (kind?.kind === 'unavailable') {
    if (kind.postgres) health.__postgresUnavailableAt = Date.now();
    services().logger.warn(
      { code: errorCode(error), url: request.url },
      'backing service unavailable: answered 503',
    );
    return unavailableResponse();
  }
  if (kind?.kind === 'bad_input') {
    // A validator should have caught it with a better message: worth a line, not a 500.
    services().logger.warn(
      { code: errorCode(error), url: request.url },
      'Postgres refused a request value: answered 400',
    );
    return errorResponse(
      new ApiError(400, 'invalid_input', 'a value in the request is not valid text, id or date'),
    );
  }
  // The whole error (stack, cause): the logger's serializer redacts secrets (decision 0067).
  services().logger.error({ err: error, url: request.url }, 'unhandled error in route');
  return errorResponse(new ApiError(500, 'internal', 'something went wrong on our side'));
}

/** The driver's code (SQLSTATE or CONNECTION_*), for a log line that says which failure it was. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/** Wraps a route handler: whatever it throws is answered by errorToResponse(). */
export function route<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return errorToResponse(error, request);
    }
  };
}

/**
 * The request's JSON body, at most JSON_BODY_MAX_BYTES. Requiring `application/json` also means a
 * cross-site HTML form cannot send it (browsers preflight that content type).
 */
export async function readJson(request: Request): Promise<unknown> {
  // The media type exactly, parameters (charset) aside: `application/jsonx` is not JSON.
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(
      415,
      'expected_json',
      'send a JSON body with content-type: application/json',
    );
  }
  const body = await readBody(request, { max: JSON_BODY_MAX_BYTES, what: 'the JSON body' });
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
}

/**
 * What a route accepts: `max` bytes of body; `shown` is the limit people are told (an upload's
 * file limit, without the multipart framing that `max` adds).
 */
export type BodyLimit = { max: number; what: string; shown?: number; code?: string };

/**
 * The 413 for a body over its limit. The connection stays open: Node reads and drops the rest, so
 * a client still writing its body gets this answer instead of a reset connection.
 */
export function bodyTooLarge(limit: BodyLimit, size?: number): ApiError {
  const shown = formatSize(limit.shown ?? limit.max);
  return new ApiError(
    413,
    limit.code ?? 'body_too_large',
    `${limit.what} is ${size === undefined ? `over ${shown}` : formatSize(size)}; the limit is ${shown}`,
  );
}

/**
 * Refuses at once, before reading a byte, when Content-Length announces more than the limit: a
 * client claiming a terabyte gets its 413 instead of a server waiting for the body.
 */
export function refuseAnnouncedSize(headers: Headers, limit: BodyLimit): void {
  const length = Number(headers.get('content-length') ?? 0);
  if (length > limit.max) throw bodyTooLarge(limit, length);
}

/**
 * The body as a stream that fails as soon as more than the limit arrived (a chunked body
 * announces no length), so no more than that is ever held in memory. Whatever then fails reading
 * it (`formData()`, `arrayBuffer()`), call `check()` in the catch: it throws the 413 if that was
 * the reason.
 */
export function limitedBody(
  request: Request,
  limit: BodyLimit,
): { stream: ReadableStream<Uint8Array>; check: () => void } {
  refuseAnnouncedSize(request.headers, limit);
  let seen = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit.max) controller.error(bodyTooLarge(limit));
      else controller.enqueue(chunk);
    },
  });
  const body = request.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return {
    stream: body.pipeThrough(counter),
    check: () => {
      if (seen > limit.max) throw bodyTooLarge(limit);
    },
  };
}

/** All of a body within its limit. */
export async function readBody(request: Request, limit: BodyLimit): Promise<Uint8Array> {
  const body = limitedBody(request, limit);
  try {
    return new Uint8Array(await new Response(body.stream).arrayBuffer());
  } catch {
    body.check();
    throw new ApiError(400, 'invalid_body', 'the request body could not be read');
  }
}
