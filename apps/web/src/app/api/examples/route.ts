import { createExample, listExamples, newExample } from '@/server/examples.server';
import { parseInput, readJson, route } from '@/server/http.server';

export const dynamic = 'force-dynamic';

/** The latest example rows, newest first, with whether the worker has processed them. */
export const GET = route(async () =>
  Response.json({ examples: await listExamples() }, { headers: { 'cache-control': 'no-store' } }),
);

/** `{ "message": "…" }` → 202 with the row; the worker marks it processed in a moment. */
export const POST = route(async (request) => {
  const input = parseInput(newExample, await readJson(request), 'example');
  return Response.json({ example: await createExample(input) }, { status: 202 });
});
