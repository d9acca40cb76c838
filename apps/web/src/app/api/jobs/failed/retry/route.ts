import { parseInput, readJson, route } from '@/server/http.server';
import { jobTarget, retryFailed } from '@/server/jobs.server';

export const dynamic = 'force-dynamic';

/** Retries one failed job (`{ queue, id }`) or all of them (`{ all: true }`). Repeating it is harmless. */
export const POST = route(async (request: Request) => {
  const target = parseInput(jobTarget, await readJson(request), 'body');
  return Response.json({ result: await retryFailed(target) });
});
