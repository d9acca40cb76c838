// template-demo
import { createDb, type DbClient, type ReportResult } from '@app/db';
import { seed } from '@app/db/seed';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { contactsReport } from '@app/shared/contracts';
import { enqueue } from '@app/shared/queues';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startInProcessWorker } from '../../testing/import-fixtures.ts';
import { waitForJob } from '../../testing/jobs.ts';

let db: DbClient;
let worker: ReturnType<typeof startInProcessWorker>;

beforeAll(async () => {
  const env = await testEnv();
  db = createDb(env.databaseUrl, { max: 3, poolMode: env.poolMode });
  worker = startInProcessWorker({ ...env, prefix: await uniquePrefix('report') });
});
afterAll(async () => {
  await worker.stop();
  await db.close();
});
beforeEach(async () => {
  await resetDatabase(db.sql);
});

async function runReport(top?: number) {
  const job = await enqueue(worker.runtime.queues, contactsReport, top ? { top } : {});
  const { state, job: finished } = await waitForJob(worker.runtime.queues, job);
  expect(state, finished.failedReason).toBe('completed');
  const [row] = await db.sql<{ id: string; result: string; duration_ms: number }[]>`
    select id, result::text as result, duration_ms from reports order by generated_at desc limit 1`;
  if (!row) throw new Error('no report stored');
  expect(finished.returnvalue).toMatchObject({ reportId: row.id });
  return { ...row, result: JSON.parse(row.result) as ReportResult };
}

describe('contacts.report', () => {
  it('stores figures equal to SQL counts over the seeded contacts', async () => {
    await seed(db.db, 230);
    // Some contacts older than a week, some without a company: both must show in the figures.
    await db.sql`update contacts set created_at = now() - interval '10 days' where email like 'ada.%'`;
    await db.sql`update contacts set company = null where email like 'grace.%'`;

    const report = await runReport(3);

    const [expected] = await db.sql<
      { contacts: number; companies: number; domains: number; fresh: number }[]
    >`select count(*)::int as contacts, count(distinct company)::int as companies,
             count(distinct split_part(email, '@', 2))::int as domains,
             (count(*) filter (where created_at > now() - interval '7 days'))::int as fresh
      from contacts`;
    expect(report.result.totals).toEqual({
      contacts: expected?.contacts,
      companies: expected?.companies,
      domains: expected?.domains,
      newLast7Days: expected?.fresh,
    });
    expect(report.result.totals.newLast7Days).toBeLessThan(report.result.totals.contacts);

    const byCompany = await db.sql<{ company: string; count: number }[]>`
      select company, count(*)::int as count from contacts where company is not null
      group by company order by count desc, company limit 3`;
    expect(report.result.byCompany).toEqual([...byCompany]);
    const byDomain = await db.sql<{ domain: string; count: number }[]>`
      select split_part(email, '@', 2) as domain, count(*)::int as count from contacts
      group by 1 order by count desc, domain limit 3`;
    expect(report.result.byDomain).toEqual([...byDomain]);
    expect(report.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('reports zeros and empty lists when there are no contacts', async () => {
    const report = await runReport();
    expect(report.result).toEqual({
      totals: { contacts: 0, companies: 0, domains: 0, newLast7Days: 0 },
      byCompany: [],
      byDomain: [],
    });
  });
});
