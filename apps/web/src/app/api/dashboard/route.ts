import { dashboardSnapshot } from '@/server/dashboard.server';
import { route } from '@/server/http.server';

export const dynamic = 'force-dynamic';

/** Queue counts, workers, the last hour's throughput and health: what the dashboard polls. */
export const GET = route(async () =>
  Response.json(await dashboardSnapshot(), { headers: { 'cache-control': 'no-store' } }),
);
