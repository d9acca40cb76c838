import { type ChildProcess, spawn } from 'node:child_process';

/**
 * pg_dump / pg_restore as child processes. The password travels in PGPASSWORD, never in argv,
 * where `ps` shows it to every user of the machine, and never in an error message.
 */
export class PgToolError extends Error {}

export function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return {
    dbname: u.toString(),
    env: {
      // Nothing else of the worker's environment: pg_dump needs no secrets but the one below.
      NODE_ENV: process.env.NODE_ENV,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PGCONNECT_TIMEOUT: '10',
      ...(password ? { PGPASSWORD: password } : {}),
    },
  };
}

/** The database a URL names, and the same URL pointing at another database. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

export type RunOptions = {
  /** Called with the child once it is spawned (tests kill it mid-dump). */
  onSpawn?: (child: ChildProcess) => void;
  signal?: AbortSignal;
};

/** Runs a tool to completion; rejects with the tool's last error lines and how it ended. */
export function runTool(
  tool: 'pg_dump' | 'pg_restore',
  args: string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions = {},
): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    // Verbose output can be long: keep the end, where the error is.
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new PgToolError(
          error.code === 'ENOENT'
            ? `${tool} not found on PATH (install the PostgreSQL 15 client: postgresql15-client on Alpine, postgresql-client-15 on Debian)`
            : `${tool} could not run: ${error.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout });
      const how = signal ? `killed by ${signal}` : `exit ${code}`;
      const lines = stderr.trim().split('\n');
      const errors = lines.filter((l) => /error|fatal|could not|failed|invalid/i.test(l));
      const detail = (errors.length > 0 ? errors.slice(0, 3) : lines.slice(-2)).join(' | ');
      reject(new PgToolError(`${tool} failed (${how})${detail ? `: ${detail}` : ''}`));
    });
  });
}
