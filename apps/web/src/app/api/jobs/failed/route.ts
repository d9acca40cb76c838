import { route } from '@/server/http.server';
import { listFailedJobs } from '@/server/jobs.server';

export const dynamic = 'force-dynamic';

/** The newest failed jobs of every queue, with reason, attempts and timestamps, and the total. */
export const GET = route(async () =>
  Response.json(await listFailedJobs(), { headers: { 'cache-control': 'no-store' } }),
);
