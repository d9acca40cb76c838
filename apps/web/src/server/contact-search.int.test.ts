// template-demo
import { createDb, type DbClient } from '@app/db';
import { resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { insertSearchContacts, searchProbes } from '@app/db/testing/search-contacts';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  contactSearchQuery,
  contactWalkEdgeQuery,
  contactWalkQuery,
  findContacts,
  WALK_WINDOW,
} from './contact-search.server';

let db: DbClient;
let searchContacts: typeof import('./contacts.server').searchContacts;

beforeAll(async () => {
  const env = await testEnv();
  vi.stubEnv('DATABASE_URL', env.databaseUrl);
  vi.stubEnv('REDIS_URL', env.redisUrl);
  vi.stubEnv('QUEUE_PREFIX', await uniquePrefix('search'));
  vi.stubEnv('LOG_LEVEL', 'silent');
  db = createDb(env.databaseUrl, { max: 2 });
  ({ searchContacts } = await import('./contacts.server'));
});
afterAll(async () => {
  await db?.close();
  const { closeServices } = await import('@/server/services.server');
  await closeServices();
});

const seed = Number(process.env.FUZZ_SEED ?? 20_261_201);
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The reference answer: emails of rows whose email, name or company starts with `wanted`. */
const matching = (
  rows: { email: string; name: string | null; company: string | null }[],
  wanted: string,
) =>
  rows
    .filter((r) => [r.email, r.name, r.company].some((f) => f?.toLowerCase().startsWith(wanted)))
    .map((r) => r.email)
    .sort(byBytes);

describe('contact search paging', () => {
  // A small alphabet makes prefixes overlap between fields and between contacts; %, _ and \ must
  // be plain characters, not LIKE wildcards.
  const alphabet = ['a', 'b', 'A', '%', '_', '\\', 'é', ' ', '.'];
  const word = (max: number) =>
    fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: max }).map((c) => c.join(''));
  type Row = { email: string; name: string | null; company: string | null };

  it('yields every matching contact exactly once, in email order, for any query and page size', async () => {
    await resetDatabase(db.sql);
    const rows: Row[] = fc.sample(
      fc.record({
        email: word(4).map((w) => `${w.toLowerCase().replaceAll(' ', '')}@x.io`),
        name: fc.option(word(4), { nil: null }),
        company: fc.option(word(4), { nil: null }),
      }),
      { numRuns: 400, seed },
    );
    const unique = [...new Map(rows.map((r) => [r.email, r])).values()];
    await db.sql`insert into contacts ${db.sql(unique)}`;

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 3 }).map((c) => c.join('')),
        fc.integer({ min: 1, max: 30 }),
        async (q, limit) => {
          const wanted = q.trim().toLowerCase();
          const expected = matching(unique, wanted);
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let page = 0; page <= unique.length; page++) {
            const result = await searchContacts({ q, limit, cursor });
            expect(result.contacts.length).toBeLessThanOrEqual(limit);
            seen.push(...result.contacts.map((c) => c.email));
            if (!result.nextCursor) break;
            cursor = result.nextCursor;
          }
          expect(seen).toEqual(expected);
        },
      ),
      { seed, numRuns: 80 },
    );

    // The same rows through the two passes with small windows, so the bounded walk stops inside
    // the table and the per-field merge continues from where it stopped.
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 3 })
          .map((c) => c.join('')),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 60 }),
        async (q, take, window) => {
          const wanted = q.trim().toLowerCase();
          if (!wanted) return;
          const expected = matching(unique, wanted);
          const seen: string[] = [];
          let after = '';
          for (let page = 0; page <= unique.length; page++) {
            const rows = await findContacts(db.db, { q, after, take, window });
            expect(rows.length).toBeLessThanOrEqual(take);
            seen.push(...rows.map((c) => c.email));
            const last = rows.at(-1);
            if (rows.length < take || !last) break;
            after = last.email;
          }
          expect({ q, window, seen }).toEqual({ q, window, seen: expected });
        },
      ),
      { seed, numRuns: 80 },
    );
  });
});

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
};

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

/**
 * Why a plan reads more of contacts than the prefix matches: a sequential scan, or a scan of
 * contacts_email_key that is neither a prefix range (`email >= …`) nor a lookup (`email = …`),
 * i.e. a walk of the email index in order, filtering rows, until the page is full.
 */
function wholeTableReads(plan: PlanNode): string[] {
  return nodes(plan)
    .filter(
      (n) =>
        n['Node Type'] === 'Seq Scan' ||
        (n['Index Name'] === 'contacts_email_key' && !/email (>=|=) /.test(n['Index Cond'] ?? '')),
    )
    .map(
      (n) => `${n['Node Type']} ${n['Index Name'] ?? n['Relation Name']} ${n['Index Cond'] ?? ''}`,
    );
}

const literal = (value: unknown) =>
  typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`;

describe('contact search plans at 100k contacts', () => {
  // Plans of a prepared statement, as postgres.js runs it: custom plans (the parameters known)
  // for the first runs, then possibly the generic plan (parameters unknown), so both must hold.
  async function plans(query: { sql: string; params: unknown[] }, options = { analyze: false }) {
    const reserved = await db.sql.reserve();
    try {
      await reserved.unsafe(`prepare probe as ${query.sql}`);
      const found: Record<string, PlanNode> = {};
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await reserved.unsafe(`set plan_cache_mode = ${mode}`);
        const [row] = await reserved.unsafe<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(
          `explain (${options.analyze ? 'analyze, ' : ''}format json) execute probe(${query.params.map(literal).join(', ')})`,
        );
        found[mode] = row?.['QUERY PLAN'][0]?.Plan as PlanNode;
      }
      return found;
    } finally {
      await reserved.unsafe('deallocate all; reset plan_cache_mode').catch(() => {});
      reserved.release();
    }
  }

  beforeAll(async () => {
    await resetDatabase(db.sql);
    for (let from = 1; from <= 120_000; from += 40_000) {
      await insertSearchContacts(db.sql, from, from + 39_999);
    }
    await db.sql`analyze contacts`;
  }, 300_000);

  it('the detector sees the old OR query walk the email index', async () => {
    // The query before decision 68, for 'ja': Postgres walks contacts_email_key from the start.
    const old = await plans({
      sql: `select * from contacts where (email like $1 or lower(name) like $1 or lower(company) like $1)
            order by email limit $2`,
      params: ['ja%', 26],
    });
    expect(wholeTableReads(old.force_generic_plan as PlanNode)).not.toEqual([]);
  });

  it.each(['a', 'j', 'ja', 'zz', ...searchProbes])(
    'the first pass for "%s" reads at most WALK_WINDOW entries of the email index, in both plan modes',
    async (q) => {
      for (const after of ['', 'm']) {
        for (const query of [
          contactWalkQuery(db.db, { q, after, take: 26 }).toSQL(),
          contactWalkEdgeQuery(db.db, after).toSQL(),
        ]) {
          for (const [mode, plan] of Object.entries(await plans(query, { analyze: true }))) {
            const scans = nodes(plan).filter((n) => n['Relation Name'] === 'contacts');
            expect({ q, after, mode, scans: scans.map((n) => n['Node Type']) }).toEqual({
              q,
              after,
              mode,
              scans: [expect.stringMatching(/^Index (Only )?Scan$/)],
            });
            const [scan] = scans;
            expect(scan?.['Index Name']).toBe('contacts_email_key');
            // Counted rows, not time: the walk stops at the window whatever the prefix matches.
            expect(scan?.['Actual Rows'] ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(
              WALK_WINDOW,
            );
          }
        }
      }
    },
  );

  it.each(searchProbes)(
    '"%s" reads only index ranges, first page and after a cursor',
    async (q) => {
      const [count] = await db.sql<{ n: number }[]>`select count(*)::int n from contacts`;
      expect(count?.n).toBe(120_000);
      for (const after of ['', 'm']) {
        const query = contactSearchQuery(db.db, { q, after, take: 26 }).toSQL();
        const found = await plans(query);
        for (const [mode, plan] of Object.entries(found)) {
          expect({ q, after, mode, reads: wholeTableReads(plan) }).toEqual({
            q,
            after,
            mode,
            reads: [],
          });
          // Each field's own index serves its branch.
          const indexes = new Set(nodes(plan).map((n) => n['Index Name']));
          expect(indexes).toContain('contacts_name_prefix_idx');
          expect(indexes).toContain('contacts_company_prefix_idx');
        }
      }
    },
  );
});
