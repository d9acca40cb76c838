// template-demo
import { contacts, type Database } from '@app/db';
import { asc, gt, type SQL, sql } from 'drizzle-orm';
import { prefixRange } from '../lib/prefix-range';

/** Emails of rows whose `column` starts with the range's prefix, after the cursor, in order. */
function fieldMatches(
  column: SQL,
  range: { lower: string; upper: string | undefined },
  after: string,
  limit: number,
  ordered: 'by-index' | 'fenced',
): SQL {
  // `~>=~`/`~<~` are the text_pattern_ops operators, so the expression indexes serve them.
  const operator =
    ordered === 'by-index' ? { ge: sql`>=`, lt: sql`<` } : { ge: sql`~>=~`, lt: sql`~<~` };
  const upper =
    range.upper === undefined ? sql`` : sql` and ${column} ${operator.lt} ${range.upper}`;
  const where = sql`${column} ${operator.ge} ${range.lower}${upper} and ${contacts.email} > ${after}`;
  if (ordered === 'by-index') {
    return sql`(select ${contacts.email} from ${contacts} where ${where} order by ${contacts.email} limit ${limit})`;
  }
  // OFFSET 0 keeps the planner from walking contacts_email_key in email order and filtering on
  // name/company, which is what made search read the whole table: it assumes matches are spread
  // evenly in email order, but names and emails are correlated (john.smith@… is "John Smith"),
  // so a prefix's first match can sit halfway down the index. Reading the field's own index
  // costs what the prefix matches instead, at any table size.
  return sql`(select email from (select ${contacts.email} from ${contacts} where ${where} offset 0) m order by email limit ${limit})`;
}

/**
 * The first `take` contacts after `after` (an email; '' for the first page) whose email, name or
 * company starts with `q` (case-insensitive), in email order. One indexed query per field,
 * merged: each reads only its own index range (contacts_email_key, contacts_name_prefix_idx,
 * contacts_company_prefix_idx), never the table. Decision 68 has the plans and figures. Returns
 * the query unexecuted, so tests can EXPLAIN exactly what the route runs.
 */
export function contactSearchQuery(
  db: Database,
  options: { q: string; after: string; take: number },
) {
  const q = options.q.trim().toLowerCase();
  const { after, take } = options;
  let where: SQL | undefined = after ? gt(contacts.email, after) : undefined;
  if (q) {
    const range = prefixRange(q);
    const merged = sql.join(
      [
        fieldMatches(sql`${contacts.email}`, range, after, take, 'by-index'),
        fieldMatches(sql`lower(${contacts.name})`, range, after, take, 'fenced'),
        fieldMatches(sql`lower(${contacts.company})`, range, after, take, 'fenced'),
      ],
      sql` union `,
    );
    where = sql`${contacts.email} in (select email from (${merged}) u order by email limit ${take})`;
  }
  return db.select().from(contacts).where(where).orderBy(asc(contacts.email)).limit(take);
}

/**
 * How many entries of contacts_email_key the first pass reads at most. A short prefix (`a`)
 * matches a large share of the table: each field's range then holds 100k+ rows at 1M contacts,
 * and sorting them by email is what made one-letter searches slow. Walking the email index in
 * order finds a page of such dense matches within a few hundred entries. The walk is bounded, so a
 * sparse prefix costs at most this many entries before the per-field merge (cheap exactly when
 * matches are few) takes over: at density d the merge sorts about d × rows, and the walk fails
 * only when d < take / WALK_WINDOW, so the merge never sorts more than rows × take / WALK_WINDOW.
 */
export const WALK_WINDOW = 2000;

/** `column` starts with the range's prefix, in byte order (text_pattern_ops operators). */
function startsWith(column: SQL, range: { lower: string; upper: string | undefined }): SQL {
  const upper = range.upper === undefined ? sql`` : sql` and ${column} ~<~ ${range.upper}`;
  return sql`(${column} ~>=~ ${range.lower}${upper})`;
}

/**
 * First pass: the matches among the next WALK_WINDOW contacts after `after`, in email order (at
 * most `take`). The LIMIT sits inside the subquery, so the planner cannot turn it into an
 * unbounded walk that filters until the page is full.
 */
export function contactWalkQuery(
  db: Database,
  options: { q: string; after: string; take: number; window?: number },
) {
  const range = prefixRange(options.q.trim().toLowerCase());
  const window = db
    .select()
    .from(contacts)
    .where(gt(contacts.email, options.after))
    .orderBy(asc(contacts.email))
    .limit(options.window ?? WALK_WINDOW)
    .as('window');
  const hit = sql.join(
    [
      startsWith(sql`${window.email}`, range),
      startsWith(sql`lower(${window.name})`, range),
      startsWith(sql`lower(${window.company})`, range),
    ],
    sql` or `,
  );
  return db.select().from(window).where(hit).orderBy(asc(window.email)).limit(options.take);
}

/** The last email the first pass read, or undefined when the table ended inside the window. */
export function contactWalkEdgeQuery(db: Database, after: string, window = WALK_WINDOW) {
  return db
    .select({ email: contacts.email })
    .from(contacts)
    .where(gt(contacts.email, after))
    .orderBy(asc(contacts.email))
    .offset(window - 1)
    .limit(1);
}

/**
 * Up to `take` contacts after `after` matching `q`, in email order: the bounded walk first, and
 * only when it did not fill the page, the per-field merge from where the walk stopped. The walk
 * read every contact in (after, edge], so its matches followed by the merge's matches after
 * `edge` are exactly the next matches: no gap, no duplicate.
 */
export async function findContacts(
  db: Database,
  options: { q: string; after: string; take: number; window?: number },
) {
  if (!options.q.trim()) return contactSearchQuery(db, options);
  // The window is a parameter only so tests can make the fallback run on a small table.
  const walked = await contactWalkQuery(db, options);
  if (walked.length >= options.take) return walked;
  const [edge] = await contactWalkEdgeQuery(db, options.after, options.window);
  if (!edge) return walked;
  const rest = await contactSearchQuery(db, {
    q: options.q,
    after: edge.email,
    take: options.take - walked.length,
  });
  return [...walked, ...rest];
}
