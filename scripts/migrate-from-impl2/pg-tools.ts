import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { childEnv } from './env.ts';

/**
 * pg_dump / pg_restore / the schema dump, run as child processes. The password travels in
 * PGPASSWORD, never on the command line, where `ps` would show it to every user of the machine.
 */

export class PgToolError extends Error {}

export function connectionArgs(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return {
    args: [`--dbname=${u.toString()}`],
    env: childEnv({ PGCONNECT_TIMEOUT: '10', ...(password ? { PGPASSWORD: password } : {}) }),
  };
}

/** Major version of a local client (`pg_dump (PostgreSQL) 15.20 …` → 15), or undefined. */
export function clientMajor(tool: 'pg_dump' | 'pg_restore'): number | undefined {
  const result = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(result.stdout);
  return match ? Number(match[1]) : undefined;
}

type Finished = { code: number | null; signal: NodeJS.Signals | null; stderr: string };

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderrLine?: (line: string) => void,
): { done: Promise<Finished>; stdout: NodeJS.ReadableStream } {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    onStderrLine?.(line);
    // Verbose output can be long: keep the end, where the error is.
    if (!line.includes(': processing item') && !line.includes(': finished item')) {
      stderr = `${stderr}${line}\n`.slice(-4000);
    }
  });
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { done, stdout: child.stdout };
}

function failure(tool: string, result: Finished): PgToolError {
  const lines = result.stderr
    .split('\n')
    .filter((l) => /error|fatal|could not|failed/i.test(l))
    .slice(0, 3);
  const detail = lines.join(' | ') || result.stderr.trim().split('\n').slice(-2).join(' | ');
  return new PgToolError(
    `${tool} failed (${result.signal ?? `exit ${result.code}`}): ${detail || 'no output'}`,
  );
}

/** pg_dump -Fc into `file`, inside the exported snapshot; reports the bytes written so far. */
export async function dumpDatabase(options: {
  url: string;
  file: string;
  snapshot?: string;
  onBytes: (bytes: number) => void;
}): Promise<void> {
  const { args, env } = connectionArgs(options.url);
  const snapshot = options.snapshot ? [`--snapshot=${options.snapshot}`] : [];
  const child = run(
    'pg_dump',
    [...args, '--format=custom', ...snapshot, `--file=${options.file}`],
    env,
  );
  const timer = setInterval(() => {
    try {
      options.onBytes(statSync(options.file).size);
    } catch {
      // Not created yet.
    }
  }, 250);
  try {
    const result = await child.done;
    if (result.code !== 0) throw failure('pg_dump', result);
    options.onBytes(statSync(options.file).size);
  } finally {
    clearInterval(timer);
  }
}

/** Entries in the archive's table of contents: the denominator of the restore progress. */
export async function countArchiveItems(file: string): Promise<number> {
  const child = run('pg_restore', ['--list', file], childEnv());
  let count = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.trim() && !line.startsWith(';')) count += 1;
  });
  const result = await child.done;
  if (result.code !== 0) throw failure('pg_restore --list', result);
  return count;
}

// Verbose lines that mark one archive entry as done, in the serial and the parallel phase.
const itemDone =
  /^pg_restore: (processing item \d+ (?!ENCODING|STDSTRINGS|SEARCHPATH|DATABASE )|finished item )/;

/**
 * pg_restore into `url` with --no-owner --no-acl (the target's user owns everything) and
 * --exit-on-error (a partial restore must never look like a success).
 */
export async function restoreDatabase(options: {
  url: string;
  file: string;
  jobs: number;
  onItem: (restored: number) => void;
}): Promise<void> {
  const { args, env } = connectionArgs(options.url);
  let restored = 0;
  const child = run(
    'pg_restore',
    [
      ...args,
      '--no-owner',
      '--no-acl',
      '--exit-on-error',
      '--verbose',
      `--jobs=${options.jobs}`,
      options.file,
    ],
    env,
    (line) => {
      if (!itemDone.test(line)) return;
      restored += 1;
      options.onItem(restored);
    },
  );
  const result = await child.done;
  if (result.code !== 0) throw failure('pg_restore', result);
}

/**
 * The schema as pg_dump prints it, without what differs between two identical databases: comment
 * lines (server versions, owners) and the random \restrict keys of pg_dump ≥ 15.14.
 */
export async function schemaDump(url: string, snapshot?: string): Promise<string> {
  const { args, env } = connectionArgs(url);
  const extra = snapshot ? [`--snapshot=${snapshot}`] : [];
  const child = run('pg_dump', [...args, '--schema-only', '--no-owner', '--no-acl', ...extra], env);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const result = await child.done;
  if (result.code !== 0) throw failure('pg_dump --schema-only', result);
  return normaliseSchema(Buffer.concat(chunks).toString('utf8'));
}

export function normaliseSchema(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('--') && !/^\\(un)?restrict /.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The first line where two schema dumps differ, for the error message. */
export function firstDifference(a: string, b: string): string {
  const [x, y] = [a.split('\n'), b.split('\n')];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `source: ${x[i] ?? '(end)'} | target: ${y[i] ?? '(end)'}`;
  }
  return '(none)';
}
