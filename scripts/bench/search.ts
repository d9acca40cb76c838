// template-demo
// `make bench-search`: contact search latency at 100k and 1M contacts, through the production
// server over HTTP (`GET /api/contacts?q=…` with Basic auth), at a bounded open-loop load (a
// request every 1/RPS s whatever the answers, so a slow server queues up as it would in
// production). Next to it, in the same run, the ceiling: the same load on the same server for the
// first page without `q` (one read of contacts_email_key, the cheapest query the route runs).
// Prints figures; asserts nothing.
//
//   make bench-search                       # 100k and 1M, 30 rps for 10 s each
//   make bench-search ARGS="100000 --rps 50 --seconds 20"
//
// Each size gets a database of its own, `bench_search_<size>`, kept so a second run (e.g. on
// another commit, for a before/after) skips the seeding; `--drop` removes it at the end.

import { runMigrations } from '@app/db/migrate';
import { insertSearchContacts, searchProbes } from '@app/db/testing/search-contacts';
import { stageStandaloneWeb, startWeb, waitForHealthy } from '@app/web/testing/standalone';
import postgres from 'postgres';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, step } from '../lib/output.ts';
import { fmt, scratchDatabase } from './lib.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(argv[at + 1]);
};
const flags = new Set(['--rps', '--seconds']);
const sizes = argv
  .filter((a, i) => !a.startsWith('--') && !flags.has(argv[i - 1] ?? ''))
  .map(Number);
const RPS = option('rps', 30);
const SECONDS = option('seconds', 10);
const env = loadScriptsEnv('bench-search');

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Seeds `bench_search_<size>` unless it already holds exactly that many contacts. */
async function database(size: number) {
  const name = `bench_search_${size}`;
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const adminUrl = new URL(env.DATABASE_URL);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
  await admin.end();
  if (exists) {
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
    const [row] = await sql<{ n: number }[]>`select count(*)::int n from contacts`.catch(() => []);
    await sql.end();
    if (row?.n === size) {
      await runMigrations(url.toString());
      step(`reusing ${name} (${fmt(size)} contacts)`);
      return {
        url: url.toString(),
        drop: async () => {
          const s = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
          await s.unsafe(`drop database if exists "${name}" with (force)`);
          await s.end();
        },
      };
    }
  }
  const scratch = await scratchDatabase(env.DATABASE_URL, name);
  await runMigrations(scratch.url);
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  const started = performance.now();
  for (let from = 1; from <= size; from += 100_000) {
    step(`seeding ${name}: ${fmt(from - 1)} of ${fmt(size)}`);
    await insertSearchContacts(sql, from, Math.min(size, from + 99_999));
  }
  await sql`vacuum analyze contacts`;
  await sql.end();
  step(`seeded ${fmt(size)} contacts in ${fmt((performance.now() - started) / 1000, 1)} s`);
  return { url: scratch.url, drop: scratch.drop };
}

type Run = { p50: number; p99: number; max: number; errors: number; count: number };

/** RPS requests a second for SECONDS, each to the next path in turn; latency of each answer. */
async function load(paths: string[], base: string, headers: Record<string, string>): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const total = RPS * SECONDS;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RPS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const path = paths[i % paths.length] as string;
    const sent = performance.now();
    pending.push(
      fetch(`${base}${path}`, { headers })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.status !== 200) errors++;
        })
        .catch(() => {
          errors++;
        })
        .finally(() => {
          latencies.push(performance.now() - sent);
        }),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    errors,
    count: latencies.length,
  };
}

const results: { size: number; search: [string, Run][]; ceiling: Run }[] = [];
const staged = await stageStandaloneWeb();
try {
  for (const size of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
    const db = await database(size);
    const password = 'bench-search-password';
    const web = await startWeb(staged, {
      DATABASE_URL: db.url,
      REDIS_URL: env.REDIS_URL,
      QUEUE_PREFIX: `bench-search-${size}`,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      BASIC_AUTH_USER: 'bench',
      BASIC_AUTH_PASSWORD: password,
    });
    try {
      await waitForHealthy(web);
      const headers = {
        authorization: `Basic ${Buffer.from(`bench:${password}`).toString('base64')}`,
      };
      // The probes' first pages, and each one's second page (a cursor) as a user paging on,
      // grouped by prefix length: one or two characters match a large share of the table.
      const groups = new Map<string, string[]>();
      for (const q of searchProbes) {
        const first = `/api/contacts?q=${encodeURIComponent(q)}`;
        const page = (await (await fetch(`${web.url}${first}`, { headers })).json()) as {
          nextCursor: string | null;
        };
        const group = q.length <= 2 ? '1-2 characters' : '3+ characters';
        const paths = groups.get(group) ?? [];
        paths.push(first);
        if (page.nextCursor) paths.push(`${first}&cursor=${page.nextCursor}`);
        groups.set(group, paths);
      }
      step(`${fmt(size)}: warming up, then ${RPS} rps for ${SECONDS} s on each path set`);
      await load([...groups.values()].flat(), web.url, headers);
      const ceiling = await load(['/api/contacts'], web.url, headers);
      const search: [string, Run][] = [];
      for (const [group, paths] of [...groups].sort()) {
        search.push([`search \`?q=\`, ${group}`, await load(paths, web.url, headers)]);
      }
      results.push({ size, search, ceiling });
    } finally {
      await web.stop();
      if (argv.includes('--drop')) await db.drop();
    }
  }
} finally {
  await staged.remove();
}

const ms = (n: number) => fmt(n, n < 10 ? 1 : 0);
console.log(
  `\n${bold('bench-search')} (${RPS} rps for ${SECONDS} s, production server over HTTP; ${new Date().toISOString()})`,
);
console.log(`probes: ${searchProbes.map((q) => `"${q}"`).join(', ')}, first and second pages`);
console.log('| contacts | query | p50 ms | p99 ms | max ms | non-200 |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
for (const { size, search, ceiling } of results) {
  for (const [label, run] of [
    ...search,
    ['ceiling: first page, no `q` (email index only)', ceiling] as const,
  ]) {
    console.log(
      `| ${fmt(size)} | ${label} | ${ms(run.p50)} | ${ms(run.p99)} | ${ms(run.max)} | ${run.errors} of ${run.count} |`,
    );
  }
}
