// template-demo
import type { ReportResult } from '@app/db';
import { contactsReport } from '@app/shared/contracts';
import { defineHandler } from '../handler.ts';

/**
 * One statement aggregates the contacts and stores the report: Postgres does the counting (no rows
 * travel to the worker), the figures come from one snapshot, and a retry writes a complete report
 * or nothing. `now()` is when the statement started, so `clock_timestamp() - now()` is its duration.
 */
export const contactsReportHandler = defineHandler(contactsReport, async ({ top }, ctx) => {
  const [row] = await ctx.db.sql<{ id: string; durationMs: number; result: string }[]>`
    with totals as (
      select count(*)::int as contacts,
             count(distinct nullif(btrim(company), ''))::int as companies,
             count(distinct split_part(email, '@', 2))::int as domains,
             (count(*) filter (where created_at > now() - interval '7 days'))::int as new_last_7_days
      from contacts
    ),
    by_company as (
      select coalesce(jsonb_agg(jsonb_build_object('company', company, 'count', n)
                                order by n desc, company), '[]'::jsonb) as items
      from (select btrim(company) as company, count(*)::int as n
            from contacts where nullif(btrim(company), '') is not null
            group by 1 order by n desc, company limit ${top}) c
    ),
    by_domain as (
      select coalesce(jsonb_agg(jsonb_build_object('domain', domain, 'count', n)
                                order by n desc, domain), '[]'::jsonb) as items
      from (select split_part(email, '@', 2) as domain, count(*)::int as n
            from contacts group by 1 order by n desc, domain limit ${top}) d
    )
    insert into reports (result, duration_ms)
    select jsonb_build_object(
             'totals', jsonb_build_object('contacts', t.contacts, 'companies', t.companies,
                                          'domains', t.domains, 'newLast7Days', t.new_last_7_days),
             'byCompany', c.items,
             'byDomain', d.items),
           ceil(extract(epoch from clock_timestamp() - now()) * 1000)::int
    from totals t, by_company c, by_domain d
    returning id, duration_ms as "durationMs", result::text as result`;
  if (!row) throw new Error('insert into reports returned no row');
  // Raw rows carry jsonb as text on this client (drizzle() owns its parsers).
  const { totals } = JSON.parse(row.result) as ReportResult;
  ctx.logger.info({ reportId: row.id, durationMs: row.durationMs, ...totals }, 'report generated');
  return { reportId: row.id, durationMs: row.durationMs, totals };
});
