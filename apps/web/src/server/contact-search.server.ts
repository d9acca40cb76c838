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
