// template-demo
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMigrations } from '@app/db/migrate';
import { testEnv, withDatabase } from '@app/db/testing';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, runTool, startRedis, writeMultipassStandIn } from './testing.ts';

// The "VM": a database on the test server with the project's schema and more, and a redis-server
// of its own holding BullMQ jobs in every state that matters. The targets are another database on
// the same server and a second redis-server with appendonly, as compose runs it.

let serverUrl = '';
let sourceDb = '';
let sourceRedis: RedisServer;
let targetRedis: RedisServer;
let work = '';
const created: string[] = [];

const admin = () => postgres(serverUrl, { max: 1, onnotice: () => {} });

async function seedSource(url: string) {
  await runMigrations(url);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`
      create sequence invoice_number_seq start 1000;
      create table customers (id serial primary key, name text not null);
      create table legacy_documents (
        id bigint generated always as identity primary key,
        customer_id int not null references customers (id),
        title text not null,
        body jsonb,
        blob bytea,
        happened_at timestamptz,
        tags text[],
        amount numeric(14, 4),
        ratio double precision,
        invoice_no int not null default nextval('invoice_number_seq'),
        flag boolean,
        uid uuid default gen_random_uuid()
      );
      create view customer_totals as
        select c.name, sum(d.amount) as total from customers c
          join legacy_documents d on d.customer_id = c.id group by c.name;
      insert into customers (name) values ('Zoë Ærøskøbing 🚀'), ('日本語の顧客'), ('O''Brien "quoted"');
      insert into legacy_documents (customer_id, title, body, blob, happened_at, tags, amount, ratio, flag)
        select 1 + g % 3, 'doc ' || g || ' — ünïcödé ✓', jsonb_build_object('n', g, 'nested', jsonb_build_array(g, 'x', null)),
               decode(md5(g::text), 'hex') || '\\x00ff'::bytea, '2024-02-29 23:59:59.123456+05:30'::timestamptz + g * interval '1 hour',
               array['a', null, 'tag ' || g], g * 1.0001, g / 7.0, g % 2 = 0
          from generate_series(1, 300) g;
      insert into contacts (email, name, extra) values ('ada@example.com', 'Ada', '{"k": "v"}'), ('zoë@example.com', 'Zoë', '{}');
      insert into imports (id, filename, size_bytes, status) values ('11111111-1111-4111-8111-111111111111', 'a.csv', 10, 'completed');
      insert into import_chunks (import_id, seq, data) values ('11111111-1111-4111-8111-111111111111', 0, '\\xdeadbeef');
      insert into import_errors (import_id, line, message) select '11111111-1111-4111-8111-111111111111', g, 'bad' from generate_series(1, 5) g;
    `);
  } finally {
    await sql.end();
  }
}

async function seedRedis(url: string) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('imports', { connection, prefix: 'bull' });
  // A failed job first, while nothing else waits: the worker must not take the others.
  await queue.add('test.fail', { n: 0 }, { attempts: 1 });
  const failing = new Worker(
    'imports',
    async () => {
      throw new Error('boom');
    },
    { connection: new Redis(url, { maxRetriesPerRequest: null }), prefix: 'bull' },
  );
  await new Promise<void>((resolve) => failing.once('failed', () => resolve()));
  await failing.close();
  await queue.add('test.echo', { n: 1 }, { jobId: 'waiting-1' });
  await queue.add('test.echo', { n: 2 }, { jobId: 'waiting-2' });
  await queue.add('test.echo', { n: 3 }, { jobId: 'delayed-1', delay: 3_600_000 });
  await queue.upsertJobScheduler(
    'nightly-report',
    { pattern: '0 3 * * *' },
    { name: 'test.echo', data: { n: 4 } },
  );
  await connection.set('plain:string', 'héllo', 'EX', 300);
  await connection.hset('plain:hash', { a: '1', b: '2' });
  await connection.sadd('plain:set', 'x', 'y', 'z');
  await connection.zadd('plain:zset', 1, 'one', 2, 'two');
  await connection.rpush('plain:list', 'l1', 'l2');
  await connection.xadd('plain:stream', '*', 'field', 'value');
  await connection.set(Buffer.from([0x62, 0x69, 0x6e, 0xff, 0x00]), Buffer.from([0, 1, 2, 255]));
  await connection.pexpire('plain:hash', 120_000);
  await queue.close();
  connection.disconnect();
}

/** Per table: exact count and md5 over every row in a fixed order (independent of the tool's hash). */
async function tableChecksums(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
  try {
    const tables = await sql<{ name: string }[]>`
      select format('%I.%I', schemaname, tablename) as name from pg_tables
       where schemaname not in ('pg_catalog', 'information_schema') order by 1`;
    const result: Record<string, string> = {};
    for (const { name } of tables) {
      const [row] = await sql.unsafe(
        `select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as sum from ${name} t`,
      );
      result[name] = String(row?.sum);
    }
    const sequences = await sql`select sequencename, last_value::text from pg_sequences order by 1`;
    return { result, sequences: sequences.map((s) => `${s.sequencename}=${s.last_value}`) };
  } finally {
    await sql.end();
  }
}

function schemaOnly(url: string): string {
  return execFileSync('pg_dump', ['--schema-only', '--no-owner', '--no-acl', url], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => !l.startsWith('--') && !/^\\(un)?restrict /.test(l))
    .join('\n');
}

async function redisSnapshot(url: string) {
  const redis = new Redis(url);
  try {
    const keys = (await redis.keys('*')).sort();
    const entries: Record<string, [string, number]> = {};
    for (const key of keys) entries[key] = [await redis.type(key), await redis.pttl(key)];
    const dirty = /rdb_changes_since_last_save:(\d+)/.exec(await redis.info('persistence'))?.[1];
    return { entries, dirty: Number(dirty) };
  } finally {
    redis.disconnect();
  }
}

async function databaseExists(name: string) {
  const sql = admin();
  try {
    return (await sql`select 1 from pg_database where datname = ${name}`).length > 0;
  } finally {
    await sql.end();
  }
}

const uniqueDb = (label: string) => {
  const name = `${sourceDb.replace(/_src$/, '')}_${label}`;
  created.push(name, `${name}_impl2_staging`);
  return name;
};

/** The tool's flags for a full, unattended copy of the test source into `targetUrl`. */
const copyArgs = (targetUrl: string) => [
  ...[
    '--from-database-url',
    withDatabase(serverUrl, sourceDb),
    '--from-redis-url',
    sourceRedis.url,
  ],
  ...['--to-database-url', targetUrl, '--to-redis-url', targetRedis.url],
  ...['--dotenv', path.join(work, 'missing.env'), '--yes'],
];

beforeAll(async () => {
  const env = await testEnv();
  serverUrl = env.serverUrl;
  sourceDb = `test_${env.runId}_impl2_${process.pid}_src`;
  created.push(sourceDb);
  work = mkdtempSync(path.join(tmpdir(), 'impl2-test-'));
  [sourceRedis, targetRedis] = await Promise.all([
    startRedis({ appendonly: false }),
    startRedis({ appendonly: true }),
  ]);
  await Promise.all([seedSource(withDatabase(serverUrl, sourceDb)), seedRedis(sourceRedis.url)]);
});

afterAll(async () => {
  const sql = admin();
  for (const name of created) await sql.unsafe(`drop database if exists "${name}" with (force)`);
  await sql.end();
  await Promise.all([sourceRedis?.stop(), targetRedis?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

describe('make migrate-from-impl2', () => {
  it('moves everything found through --vm and .env, verifies it, and the worker runs the moved jobs', async () => {
    const targetDb = uniqueDb('vm');
    const source = new URL(withDatabase(serverUrl, sourceDb));
    // .env as an Implementation-2 checkout has it: a stale VM IP, plus lines the rewrite must keep.
    source.hostname = '192.168.64.5';
    const envFile = path.join(work, 'vm.env');
    const original = [
      '# Implementation 2: services on the Multipass VM',
      `DATABASE_URL=${source}   # Coolify postgres`,
      '',
      `export REDIS_URL="redis://192.168.64.5:${sourceRedis.port}"`,
      'SOME_UNKNOWN_SETTING=keep me = exactly',
      '  # indented comment\r',
      'LOG_LEVEL=debug',
      '',
    ].join('\n');
    writeFileSync(envFile, original);
    writeFileSync(`${envFile}.impl2.bak`, 'an older backup');
    const bin = mkdtempSync(path.join(work, 'bin-'));
    // The Docker bridge comes first, as it can in real output; the reachable address is second.
    writeMultipassStandIn(bin, {
      name: 'impl2-dev',
      state: 'Running',
      ipv4: ['172.17.0.1', '127.0.0.1'],
    });
    const before = await redisSnapshot(sourceRedis.url);
    const targetUrl = withDatabase(serverUrl, targetDb);

    const run = runTool(
      [
        '--vm',
        'impl2-dev',
        '--dotenv',
        envFile,
        '--to-database-url',
        targetUrl,
        '--to-redis-url',
        targetRedis.url,
        '--yes',
      ],
      { env: { PATH: `${bin}:${process.env.PATH}` } },
    );
    expect(await run.exited, run.output()).toBe(0);
    const out = run.output();
    expect(out).toContain('Postgres verified');
    expect(out).toContain('Redis verified');
    expect(out).toContain('multipass delete --purge impl2-dev');
    expect(out).not.toMatch(/\n\s+at /);

    // Postgres: same rows, bytes and sequences; same schema; source unchanged.
    const sourceUrl = withDatabase(serverUrl, sourceDb);
    expect(await tableChecksums(targetUrl)).toEqual(await tableChecksums(sourceUrl));
    expect(Object.keys((await tableChecksums(targetUrl)).result)).toContain(
      'drizzle.__drizzle_migrations',
    );
    expect(schemaOnly(targetUrl)).toEqual(schemaOnly(sourceUrl));
    expect(await databaseExists(`${targetDb}_impl2_staging`)).toBe(false);

    // Redis: every key with its type and TTL (±1 s); nothing written to the source.
    // TTLs are read on both sides now, close together: they shrank on the source since `before`.
    const [after, sourceNow] = await Promise.all([
      redisSnapshot(targetRedis.url),
      redisSnapshot(sourceRedis.url),
    ]);
    expect(Object.keys(after.entries)).toEqual(Object.keys(before.entries));
    for (const [key, [type, ttl]] of Object.entries(sourceNow.entries)) {
      const [targetType, targetTtl] = after.entries[key] ?? [];
      expect(targetType, key).toBe(type);
      if (ttl < 0) expect(targetTtl, key).toBe(ttl);
      else expect(Math.abs((targetTtl ?? 0) - ttl), key).toBeLessThanOrEqual(1000);
    }
    expect(sourceNow.dirty).toBe(before.dirty);

    // The target's BullMQ state is whole: a real worker runs the two waiting jobs.
    const connection = new Redis(targetRedis.url, { maxRetriesPerRequest: null });
    const queue = new Queue('imports', { connection, prefix: 'bull' });
    expect(await queue.getJobCounts('wait', 'delayed', 'failed')).toEqual({
      wait: 2,
      delayed: 2,
      failed: 1,
    });
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['nightly-report']);
    const done: string[] = [];
    const worker = new Worker(
      'imports',
      async (job) => {
        done.push(String(job.id));
      },
      { connection: new Redis(targetRedis.url, { maxRetriesPerRequest: null }), prefix: 'bull' },
    );
    await expect.poll(() => done.length, { timeout: 10_000 }).toBe(2);
    expect(done.sort()).toEqual(['waiting-1', 'waiting-2']);
    await worker.close();
    await queue.close();
    connection.disconnect();

    // .env: only the two URLs changed; the earlier backup was not overwritten.
    const rewritten = readFileSync(envFile, 'utf8');
    expect(rewritten).toBe(
      original
        .replace(source.toString(), targetUrl)
        .replace(`redis://192.168.64.5:${sourceRedis.port}`, targetRedis.url),
    );
    expect(readFileSync(`${envFile}.impl2.bak`, 'utf8')).toBe('an older backup');
    expect(readFileSync(`${envFile}.impl2.bak.1`, 'utf8')).toBe(original);

    // A second run finds nothing to do: .env already points at the target.
    const again = runTool(
      [
        '--dotenv',
        envFile,
        '--to-database-url',
        targetUrl,
        '--to-redis-url',
        targetRedis.url,
        '--yes',
      ],
      { env: { PATH: `${bin}:${process.env.PATH}` } },
    );
    expect(await again.exited).toBe(1);
    expect(again.output()).toContain('already points at the new services');
  });

  it('finishes and verifies when run again after being killed during the restore', async () => {
    const targetDb = uniqueDb('killed');
    const targetUrl = withDatabase(serverUrl, targetDb);
    const redis = new Redis(targetRedis.url);
    await redis.flushall();
    redis.disconnect();
    const args = copyArgs(targetUrl);
    const first = runTool(args);
    await first.waitFor('restoring into staging database');
    first.killAll();
    await first.exited;
    // Killed mid-way: a staging database, no target. A half-restored target never appears.
    expect(await databaseExists(`${targetDb}_impl2_staging`)).toBe(true);
    expect(await databaseExists(targetDb)).toBe(false);

    const second = runTool(args);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('left by an interrupted run');
    expect(second.output()).toContain('Postgres verified');
    expect(await tableChecksums(targetUrl)).toEqual(
      await tableChecksums(withDatabase(serverUrl, sourceDb)),
    );
    expect(await databaseExists(`${targetDb}_impl2_staging`)).toBe(false);
  });

  it('refuses a target database that already has tables, naming them, unless --force', async () => {
    const targetDb = uniqueDb('busy');
    const targetUrl = withDatabase(serverUrl, targetDb);
    const sql = admin();
    await sql.unsafe(`create database "${targetDb}"`);
    await sql.end();
    const target = postgres(targetUrl, { max: 1, onnotice: () => {} });
    await target`create table precious (id int)`;
    await target`insert into precious values (42)`;
    await target.end();
    const args = copyArgs(targetUrl);
    const refused = runTool(args);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/already has 1 table\(s\): public\.precious/);
    expect(refused.output()).toContain('--force');

    const forced = runTool([...args, '--force']);
    expect(await forced.exited, forced.output()).toBe(0);
    const kept = /kept as (\S+)/.exec(forced.output())?.[1] ?? '';
    created.push(kept);
    const keptDb = postgres(withDatabase(serverUrl, kept), { max: 1, onnotice: () => {} });
    expect(await keptDb`select id from precious`).toEqual([{ id: 42 }]);
    await keptDb.end();
  });

  it('says clearly when the source does not answer, and exits non-zero', async () => {
    const run = runTool([
      '--from-database-url',
      'postgres://app:secret-pw@127.0.0.1:1/app',
      '--from-redis-url',
      'redis://127.0.0.1:1',
      '--to-database-url',
      withDatabase(serverUrl, uniqueDb('unreachable')),
      '--to-redis-url',
      targetRedis.url,
      '--dotenv',
      path.join(work, 'missing.env'),
      '--yes',
    ]);
    expect(await run.exited).toBe(1);
    const out = run.output();
    expect(out).toMatch(/Redis at 127\.0\.0\.1:1 does not accept the connection/);
    expect(out).toContain('multipass list');
    expect(out).not.toContain('secret-pw');
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('explains a stopped VM', async () => {
    const bin = mkdtempSync(path.join(work, 'bin-'));
    writeMultipassStandIn(bin, { name: 'impl2-dev', state: 'Stopped', ipv4: [] });
    const envFile = path.join(work, 'stopped.env');
    writeFileSync(
      envFile,
      'DATABASE_URL=postgres://app:pw@192.168.64.5:5432/app\nREDIS_URL=redis://192.168.64.5:6379\n',
    );
    const run = runTool(
      [
        '--vm',
        'impl2-dev',
        '--dotenv',
        envFile,
        '--to-database-url',
        withDatabase(serverUrl, 'x'),
        '--to-redis-url',
        targetRedis.url,
      ],
      {
        env: { PATH: `${bin}:${process.env.PATH}` },
      },
    );
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('the VM impl2-dev is Stopped');
    expect(run.output()).toContain('multipass start impl2-dev');
  });
});
