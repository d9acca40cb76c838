import Link from 'next/link';
import { connection } from 'next/server';
import { FailedJobs } from '@/components/failed-jobs';
import { FAILED_PAGE_SIZE, listFailedJobs } from '@/server/jobs.server';

export const metadata = { title: 'Failed jobs' };

/** Jobs that used up their attempts (or failed for good), newest first, with what to do next. */
export default async function FailedJobsPage() {
  await connection();
  const { jobs, total } = await listFailedJobs();
  return (
    <>
      <p className="breadcrumb">
        <Link href="/">← Dashboard</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>Failed jobs</h1>
          <p className="muted">
            Retry a job once its cause is fixed (its attempts start again), or discard it. Failed
            jobs are kept for 14 days. Showing the newest {FAILED_PAGE_SIZE} of each queue.
          </p>
        </div>
      </div>
      <FailedJobs jobs={jobs} total={total} />
    </>
  );
}
