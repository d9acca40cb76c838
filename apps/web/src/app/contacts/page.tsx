// template-demo
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { z } from 'zod';
import { formatDateTime } from '@/lib/format';
import { searchContacts } from '@/server/contacts.server';
import { ApiError, pgText } from '@/server/http.server';

export const metadata: Metadata = { title: 'Contacts' };

const PAGE_SIZE = 25;
// Bad query strings degrade to defaults instead of an error page: they come from links and typing.
const searchParamsSchema = z.object({
  q: pgText(200).catch('').default(''),
  cursor: z.string().max(400).optional().catch(undefined),
});

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function pageHref(q: string, cursor?: string) {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (cursor) params.set('cursor', cursor);
  const query = params.toString();
  return query ? `/contacts?${query}` : '/contacts';
}

/**
 * Plain server rendering and a GET form: search and paging work without JavaScript, and every
 * page has a URL you can share.
 */
export default async function ContactsPage({ searchParams }: Props) {
  await connection();
  const { q, cursor } = searchParamsSchema.parse(await searchParams);
  let staleCursor = false;
  const page = await searchContacts({ q, cursor, limit: PAGE_SIZE }).catch(
    async (error: unknown) => {
      if (!(error instanceof ApiError && error.code === 'invalid_cursor')) throw error;
      staleCursor = true;
      return searchContacts({ q, limit: PAGE_SIZE });
    },
  );
  const onFirstPage = !cursor || staleCursor;

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Contacts</h1>
          <p className="muted">
            Sorted by email. Search matches the start of an email, name or company.
          </p>
        </div>
      </div>
      <section className="card">
        <search>
          <form action="/contacts" method="get" className="search">
            <label htmlFor="contacts-q" className="visually-hidden">
              Search contacts
            </label>
            <input
              id="contacts-q"
              type="search"
              name="q"
              defaultValue={q}
              placeholder="Email, name or company…"
              autoComplete="off"
              maxLength={200}
            />
            <button type="submit" className="button">
              Search
            </button>
            {q && (
              <Link href="/contacts" className="button button-secondary">
                Clear
              </Link>
            )}
          </form>
        </search>
        {staleCursor && (
          <p className="notice notice-error" role="alert">
            That page link is no longer valid; showing the first page.
          </p>
        )}
        {page.contacts.length === 0 ? (
          <p className="empty">
            {q ? (
              <>No contacts start with “{q}”.</>
            ) : (
              <>
                No contacts yet. <Link href="/imports">Import a CSV</Link> to add some.
              </>
            )}
          </p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <caption className="visually-hidden">
                {q ? `Contacts matching “${q}”` : 'All contacts'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Company</th>
                  <th scope="col">Phone</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {page.contacts.map((contact) => (
                  <tr key={contact.id}>
                    <td className="strong">{contact.name ?? <span className="muted">–</span>}</td>
                    <td className="mono small">{contact.email}</td>
                    <td>{contact.company ?? <span className="muted">–</span>}</td>
                    <td className="nowrap">{contact.phone ?? <span className="muted">–</span>}</td>
                    <td className="nowrap">
                      <time dateTime={contact.updatedAt} suppressHydrationWarning>
                        {formatDateTime(contact.updatedAt)}
                      </time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(page.nextCursor || !onFirstPage) && (
          <nav className="pager" aria-label="Contacts pages">
            {!onFirstPage && <Link href={pageHref(q)}>← Back to first page</Link>}
            {page.nextCursor && (
              <Link href={pageHref(q, page.nextCursor)} rel="next">
                Next page →
              </Link>
            )}
          </nav>
        )}
      </section>
    </>
  );
}
