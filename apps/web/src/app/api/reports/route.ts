// template-demo
import { route } from '@/server/http.server';
import { requestReport } from '@/server/reports.server';

export const dynamic = 'force-dynamic';

/** Runs contacts.report now (it also runs on REPORT_CRON): 202, the report lands in a moment. */
export const POST = route(async () => {
  const { jobId } = await requestReport();
  return Response.json({ job: { queue: 'maintenance', id: jobId } }, { status: 202 });
});
