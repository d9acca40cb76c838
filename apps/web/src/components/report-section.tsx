// template-demo
import type { Report } from '@app/db';
import { formatDateTime, formatDuration, formatNumber } from '@/lib/format';
import { BarChart } from './bar-chart';

/** The latest contacts report: totals, then companies and domains as a chart and a table. */
export function ReportSection({ report }: { report: Report | undefined }) {
  return (
    <section className="card" aria-labelledby="report-title">
      <div className="card-header">
        <h2 id="report-title" className="card-title">
          Contacts report
        </h2>
        {report && (
          <span className="muted small">
            Generated{' '}
            <time dateTime={report.generatedAt.toISOString()} suppressHydrationWarning>
              {formatDateTime(report.generatedAt.toISOString())}
            </time>{' '}
            in {formatDuration(report.durationMs)}
          </span>
        )}
      </div>
      {!report ? (
        <p className="empty">
          No report yet. It runs on a schedule (REPORT_CRON), or now with “Run report”.
        </p>
      ) : (
        <ReportBody report={report} />
      )}
    </section>
  );
}

function ReportBody({ report }: { report: Report }) {
  const { totals, byCompany, byDomain } = report.result;
  const stats = [
    ['Contacts', totals.contacts],
    ['Companies', totals.companies],
    ['Email domains', totals.domains],
    ['New in the last 7 days', totals.newLast7Days],
  ] as const;
  return (
    <>
      <dl className="stats">
        {stats.map(([label, value]) => (
          <div key={label} className="stat">
            <dt>{label}</dt>
            <dd>{formatNumber(value)}</dd>
          </div>
        ))}
      </dl>
      <div className="report-grid">
        <Breakdown
          title="Contacts by company"
          column="Company"
          items={byCompany.map((c) => ({ label: c.company, value: c.count }))}
        />
        <Breakdown
          title="Contacts by email domain"
          column="Domain"
          items={byDomain.map((d) => ({ label: d.domain, value: d.count }))}
        />
      </div>
    </>
  );
}

function Breakdown(props: {
  title: string;
  column: string;
  items: { label: string; value: number }[];
}) {
  return (
    <div>
      <h3 className="report-subtitle">{props.title}</h3>
      {props.items.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <>
          <BarChart title={props.title} items={props.items} />
          <table className="table">
            <caption className="visually-hidden">{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">{props.column}</th>
                <th scope="col" className="num">
                  Contacts
                </th>
              </tr>
            </thead>
            <tbody>
              {props.items.map((item) => (
                <tr key={item.label}>
                  <td>{item.label}</td>
                  <td className="num">{formatNumber(item.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
