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

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export { freePort };
