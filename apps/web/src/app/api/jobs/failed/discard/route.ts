import { parseInput, readJson, route } from '@/server/http.server';
import { discardFailed, jobTarget } from '@/server/jobs.server';

export const dynamic = 'force-dynamic';

/** Removes one failed job (`{ queue, id }`) or all of them (`{ all: true }`). Repeating it is harmless. */
export const POST = route(async (request: Request) => {
  const target = parseInput(jobTarget, await readJson(request), 'body');
  return Response.json({ result: await discardFailed(target) });
});
