// template-demo
import { z } from 'zod';
import { env } from '@/env';
import { MULTIPART_OVERHEAD_BYTES } from '@/server/body-limits';
import { clientAddress } from '@/server/client-address.server';
import { guarded } from '@/server/front-door.server';
import { ApiError, errorResponse, limitedBody, parseInput, route } from '@/server/http.server';
import { createImport, listImports } from '@/server/imports.server';
import { hitRateLimit } from '@/server/rate-limit.server';
import { services } from '@/server/services.server';

export const dynamic = 'force-dynamic';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

// The proxy does not run for this path (its matcher leaves it out: docs/decisions/0060), so both
// handlers are `guarded`: the proxy's access checks and headers, applied here.

export const GET = guarded(
  route(async (request: Request) => {
    const query = parseInput(
      listQuery,
      Object.fromEntries(new URL(request.url).searchParams),
      'query',
    );
    return Response.json(await listImports(query));
  }),
);

/**
 * multipart/form-data with one field `file`: answers 202 with the queued import. Streamed, never
 * past IMPORT_MAX_BYTES (plus the multipart framing): a larger announced or sent body is a 413.
 */
export const POST = guarded(
  route(async (request: Request) => {
    // Counted before the body is read, so a client over its limit costs no upload bandwidth.
    const { IMPORT_RATE_LIMIT: limit, QUEUE_PREFIX: prefix } = env();
    const client = clientAddress(request.headers);
    const hit = await hitRateLimit(services().redis, `${prefix}:rate:imports:${client}`, limit);
    if (!hit.allowed) {
      return errorResponse(
        new ApiError(
          429,
          'rate_limited',
          `too many uploads: at most ${limit.max} per ${limit.windowMs / 1000} s; try again in ${hit.retryAfterSeconds} s`,
        ),
        { 'retry-after': String(hit.retryAfterSeconds) },
      );
    }
    const type = request.headers.get('content-type') ?? '';
    if (!type.startsWith('multipart/form-data')) {
      throw new ApiError(
        415,
        'expected_multipart',
        'send the file as multipart/form-data in a field named "file"',
      );
    }
    const { IMPORT_MAX_BYTES: max } = env();
    const body = limitedBody(request, {
      max: max + MULTIPART_OVERHEAD_BYTES,
      shown: max,
      what: 'the upload',
      code: 'file_too_large',
    });
    let form: FormData;
    try {
      form = await new Response(body.stream, { headers: { 'content-type': type } }).formData();
    } catch {
      body.check();
      throw new ApiError(400, 'invalid_multipart', 'the multipart body could not be read');
    }
    const files = form.getAll('file').filter((f): f is File => typeof f === 'object');
    if (files.length !== 1) {
      throw new ApiError(
        400,
        'file_missing',
        files.length === 0 ? 'no file in the field "file"' : 'send one file at a time',
      );
    }
    const [file] = files as [File];
    const created = await createImport({
      name: file.name,
      type: file.type,
      size: file.size,
      bytes: async () => new Uint8Array(await file.arrayBuffer()),
    });
    return Response.json(
      { import: created },
      { status: 202, headers: { location: `/api/imports/${created.id}` } },
    );
  }),
);
