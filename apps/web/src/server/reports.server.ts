// template-demo
import { type Report, reports } from '@app/db';
import { contactsReport } from '@app/shared/contracts';
import { enqueue } from '@app/shared/queues';
import { desc } from 'drizzle-orm';
import { services } from './services.server';

export async function latestReport(): Promise<Report | undefined> {
  const [row] = await services()
    .db.db.select()
    .from(reports)
    .orderBy(desc(reports.generatedAt))
    .limit(1);
  return row;
}

/** Queues a report now; a click while one is already queued or running joins that one. */
export async function requestReport(): Promise<{ jobId: string }> {
  const job = await enqueue(services().queues, contactsReport, {});
  return { jobId: job.id ?? '' };
}
