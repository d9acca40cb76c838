import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '@app/db/testing/processes';
import { answersOk, PollFailed, pollUntil } from '@app/shared/wait';
import postgres from 'postgres';

export type Proc = { child: ChildProcess; stop: () => Promise<void>; output: () => string };

/** Starts a process in its own group (so its children die with it) and keeps its output. */
export function start(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Proc {
  let output = '';
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

export async function waitForUrl(url: string, proc: Proc, timeoutMs = 120_000): Promise<void> {
  await pollUntil(
    (signal) => {
      if (proc.child.exitCode !== null)
        throw new PollFailed(`process exited early:\n${proc.output().slice(-2000)}`);
      return answersOk(url, signal);
    },
    { what: url, timeoutMs, intervalMs: 200, detail: () => proc.output().slice(-2000) },
  );
}

/** A scratch database on the same server, dropped by the returned function. */
export async function scratchDatabase(serverUrl: string, name: string) {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop database if exists "${name}" with (force)`);
  await sql.unsafe(`create database "${name}"`);
  await sql.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const s = postgres(admin.toString(), { max: 1, onnotice: () => {} });
      await s.unsafe(`drop database if exists "${name}" with (force)`);
      await s.end();
    },
  };
}

/**
 * Fills an empty database with about `mb` MB (pg_database_size): 10k customers and ~300-byte
 * events with jsonb, text, numeric and an index, generated in SQL. The data of every benchmark
 * that needs "a 1 GB database" (bench-migrate, bench-backup), so their figures compare.
 */
export async function generateEventsDatabase(
  url: string,
  mb: number,
): Promise<{ size: string; rows: string }> {
  const source = postgres(url, { max: 2, onnotice: () => {} });
  try {
    await source.unsafe(`
    create table customers (id int primary key, name text not null, created_at timestamptz not null default now());
    create table events (
      id bigint generated always as identity primary key,
      customer_id int not null references customers (id),
      kind text not null,
      payload jsonb not null,
      body text not null,
      amount numeric(12, 2),
      at timestamptz not null
    );
    create index events_customer_at on events (customer_id, at);
    insert into customers select g, 'customer ' || g from generate_series(1, 10000) g;`);
    // About 300 bytes per row on disk with the index: batches of 200k rows until the size is reached.
    const target = mb * 1e6;
    for (let batch = 0; ; batch++) {
      const [row] = await source<
        { size: string }[]
      >`select pg_database_size(current_database())::text as size`;
      if (Number(row?.size) >= target) break;
      await source.unsafe(`
      insert into events (customer_id, kind, payload, body, amount, at)
      select 1 + (g % 10000), (array['signup','order','refund','login'])[1 + g % 4],
             jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g % 7), 'ok', g % 3 = 0),
             md5(g::text) || ' ' || md5((g * 31)::text) || ' ' || md5((g * 97)::text) || ' ' || md5((g * 13)::text),
             (g % 100000) / 100.0, now() - (g % 100000) * interval '1 minute'
        from generate_series(${batch * 200_000 + 1}, ${(batch + 1) * 200_000}) g`);
    }
    await source`analyze`;
    const [result = { size: '0', rows: '0' }] = await source<{ size: string; rows: string }[]>`
    select pg_database_size(current_database())::text as size, (select count(*) from events)::text as rows`;
    return result;
  } finally {
    await source.end();
  }
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export { freePort };
