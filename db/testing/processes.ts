import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import postgres from 'postgres';

// Servers and ports for tests, benches and measuring scripts. No vitest import here, so plain
// Node scripts can use it too (`@app/db/testing/processes`).

/** A TCP port nothing listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export type NodeProcess = {
  child: ChildProcess;
  /** Everything it printed on stdout and stderr so far. */
  output: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
};

/**
 * Runs `node <args>` in `cwd` with exactly `env` plus PATH, as a container would, keeping its
 * output for assertions; tests SIGTERM or SIGKILL `child` as Docker would.
 */
export function spawnNode(cwd: string, args: string[], env: Record<string, string>): NodeProcess {
  let output = '';
  const child = spawn(process.execPath, args, {
    cwd,
    // Only PATH and `env`: nothing of this process leaks in. (The empty ProcessEnv satisfies
    // Next's typing, which makes NODE_ENV required; the caller decides it.)
    env: { ...({} as NodeJS.ProcessEnv), PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, output: () => output, exited };
}

export type RedisServer = {
  url: string;
  port: number;
  dir: string;
  child: ChildProcess;
  /** Stops the server; its data directory is removed unless `keepData` (to restart on it). */
  stop: (options?: { keepData?: boolean }) => Promise<void>;
};

export type RedisServerOptions = {
  appendonly: boolean;
  port?: number;
  dir?: string;
  /** Require this password (AUTH), as a managed Redis does. */
  requirepass?: string;
  /** `valkey-server` (Valkey 8, from bookworm-backports: .devcontainer/install-valkey.sh). */
  binary?: 'redis-server' | 'valkey-server';
  /** What BullMQ needs is the default; tests of the worker's refusal pass another. */
  maxmemoryPolicy?: string;
  /** Serve TLS only, on `port`, with this certificate (see startTlsRedisServer). */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** More server arguments, e.g. `--rename-command CONFIG ""` as a managed service does. */
  args?: string[];
};

/**
 * A redis-server of the test's own (the Debian/Ubuntu `redis-server` binary), configured as
 * BullMQ wants it (noeviction; AOF when asked, as compose runs it). Resolves once it answers PING.
 * Pass the `port` and `dir` of a stopped one to restart it on the same data.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const binary = options.binary ?? 'redis-server';
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'test-redis-'));
  const { tls } = options;
  const child = spawn(
    binary,
    [
      // With TLS the plain port is off (--port 0): a client can only connect over TLS.
      ...(tls
        ? ['--port', '0', '--tls-port', String(port), '--tls-auth-clients', 'no']
        : ['--port', String(port)]),
      ...(tls ? ['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile] : []),
      ...(tls ? ['--tls-ca-cert-file', tls.caFile] : []),
      ...['--bind', '127.0.0.1', '--dir', dir, '--save', ''],
      ...['--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'everysec'],
      ...['--maxmemory-policy', options.maxmemoryPolicy ?? 'noeviction'],
      ...(options.requirepass ? ['--requirepass', options.requirepass] : []),
      ...(options.args ?? []),
    ],
    { stdio: 'ignore' },
  );
  // A missing binary is an 'error' event: reported by the loop below, not an unhandled one.
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const exited = once(child, 'exit').catch(() => undefined);
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const clientTls: RedisOptions = tls ? { tls: { ca: readFileSync(tls.caFile) } } : {};
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (spawnError)
      throw new Error(
        `${binary} could not start (${spawnError.message}): install it${binary === 'valkey-server' ? ' (sh .devcontainer/install-valkey.sh as root, on Debian bookworm)' : ' (apt-get install redis-server)'}`,
      );
    if (child.exitCode !== null) throw new Error(`${binary} on ${port} exited (is it installed?)`);
    const client = new Redis(url, {
      ...clientTls,
      password: options.requirepass,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => {});
    const up = await client.connect().then(
      () => client.ping().then(() => true),
      () => false,
    );
    client.disconnect();
    if (up) break;
    if (Date.now() > deadline) throw new Error(`${binary} on ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    port,
    dir,
    child,
    stop: async ({ keepData = false } = {}) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestCa = {
  /** The CA's certificate (PEM): what REDIS_CA_FILE points at. */
  caFile: string;
  /** A server certificate this CA signed, for localhost and 127.0.0.1, and its key. */
  certFile: string;
  keyFile: string;
  dir: string;
  remove: () => void;
};

/**
 * A throw-away certificate authority made with `openssl` in a temporary folder, and a server
 * certificate it signed for `localhost` and `127.0.0.1` (what a provider's private CA gives).
 * P-256 keys: milliseconds to make. Two calls give two unrelated CAs (a wrong REDIS_CA_FILE).
 */
export function makeTestCa(name = 'test-ca'): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const file = (base: string) => path.join(dir, base);
  const openssl = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...key,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
  openssl(['req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl([
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key'],
    ...['-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'],
  ]);
  return {
    caFile: file('ca.crt'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A redis-server of the test's own that speaks only TLS (`rediss://127.0.0.1:<port>`), with a
 * certificate from a CA made for it (`ca.caFile` is what REDIS_CA_FILE takes). Stopping it
 * removes the CA too.
 */
export async function startTlsRedisServer(
  options: Omit<RedisServerOptions, 'tls' | 'appendonly'> = {},
): Promise<RedisServer & { ca: TestCa }> {
  const ca = makeTestCa();
  const server = await startRedisServer({
    ...options,
    appendonly: false,
    tls: { certFile: ca.certFile, keyFile: ca.keyFile, caFile: ca.caFile },
  }).catch((error: unknown) => {
    ca.remove();
    throw error;
  });
  return {
    ...server,
    ca,
    stop: async (stopOptions) => {
      await server.stop(stopOptions);
      ca.remove();
    },
  };
}

/**
 * The newest mtime under `file` (a folder's own mtime counts: a deleted file changes it), leaving
 * out files `skip` names (tests, which no build bundles: editing one must not force a rebuild).
 */
export function newestMtime(file: string, skip?: (name: string) => boolean): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return skip?.(path.basename(file)) ? 0 : stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(file)) {
    newest = Math.max(newest, newestMtime(path.join(file, entry), skip));
  }
  return newest;
}

/** Test files: `*.test.ts` (unit, integration, docker) beside the code they test. */
export const isTestFile = (name: string) => /\.test\.tsx?$/.test(name);

const LOCK_STALE_MS = 10 * 60_000;

/**
 * Runs `fn` while holding a machine-wide lock named `key` (a directory in the temp folder), so
 * test files in parallel processes build a shared artefact once: the first builds, the others
 * wait and reuse it. A lock left by a killed run is taken over after LOCK_STALE_MS.
 */
export async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(
    tmpdir(),
    `test-lock-${createHash('sha1').update(key).digest('hex').slice(0, 12)}.lock`,
  );
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export type PgBouncer = {
  /** `target` with its host and port replaced by the pooler's. */
  url: string;
  port: number;
  output: () => string;
  /** Transactions and queries the pooler has carried so far (its admin console's SHOW STATS). */
  stats: () => Promise<{ transactions: number; queries: number }>;
  stop: () => Promise<void>;
};

/**
 * A PgBouncer of the test's own (Debian's `pgbouncer`, 1.18 on bookworm) in front of `target`'s
 * server, in `pool_mode` (transaction: what a managed database's pool does). Its ini and userlist
 * live in a temporary folder; the system's pgbouncer service is never touched. The pooler logs in
 * to Postgres with `target`'s user and password. Clients log in as a managed pool's do: with a
 * password (`target`'s, or `password`), checked by the pooler with SCRAM-SHA-256 (decision 0104);
 * only a target without one (trust auth, as the shared dev Postgres) gives a trust pooler. As root
 * it drops to the `postgres` user (PgBouncer refuses to run as root).
 */
export async function startPgBouncer(options: {
  target: string;
  poolMode?: 'session' | 'transaction';
  /** Server connections per database and user: small, so clients share them. */
  poolSize?: number;
  /** The password clients must give the pooler; `target`'s own by default. */
  password?: string;
}): Promise<PgBouncer> {
  const target = new URL(options.target);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'test-pgbouncer-'));
  const user = decodeURIComponent(target.username || 'postgres');
  const password = decodeURIComponent(target.password);
  const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
  const server = [
    `host=${target.hostname}`,
    `port=${target.port || 5432}`,
    `user=${user}`,
    ...(password ? [`password=${quote(password)}`] : []),
  ].join(' ');
  const asRoot = process.getuid?.() === 0;
  // The client's password, checked by the pooler itself. SCRAM-SHA-256 is what Postgres 15 stores
  // (password_encryption's default, and the postgres:15 image's host auth); PgBouncer 1.18 runs it
  // from a plain-text userlist entry, which it can also use to answer the server's own SCRAM.
  const clientPassword = options.password ?? password;
  const userlist = (value: string) => `"${value.replaceAll('"', '""')}"`;
  writeFileSync(path.join(dir, 'userlist.txt'), `${userlist(user)} ${userlist(clientPassword)}\n`, {
    mode: 0o600,
  });
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = ${server}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir = ''",
      `auth_type = ${clientPassword ? 'scram-sha-256' : 'trust'}`,
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 5}`,
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits',
      // SHOW STATS totals are refreshed every stats_period (60 s by default): 1 s, so a test's
      // count is current.
      'stats_period = 1',
      `admin_users = ${user}`,
      ...(asRoot ? ['user = postgres'] : []),
    ].join('\n'),
  );
  if (asRoot) spawnSync('chown', ['-R', 'postgres', dir]);
  let output = '';
  const child = spawn('pgbouncer', [path.join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const spawnFailed = once(child, 'error').then(([error]) => error as Error);
  // A spawn error (no pgbouncer on PATH) also rejects once(exit): the loop below reports it.
  const exited = once(child, 'exit').catch(() => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const failed = await Promise.race([spawnFailed, sleep(50).then(() => undefined)]);
    if (failed) throw new Error('pgbouncer could not start: apt-get install pgbouncer, then retry');
    if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${output.trim()}`);
    if (/process up|listening on/.test(output)) break;
    if (Date.now() > deadline) throw new Error(`pgbouncer did not start: ${output.trim()}`);
  }
  const url = new URL(options.target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  url.password = encodeURIComponent(clientPassword);
  return {
    url: url.toString(),
    port,
    output: () => output,
    stats: async () => {
      // The admin console speaks the simple protocol only; the target's user is an admin_user.
      const admin = postgres({
        host: '127.0.0.1',
        port,
        database: 'pgbouncer',
        username: user,
        password: clientPassword || undefined,
        max: 1,
        fetch_types: false,
        prepare: false,
        onnotice: () => {},
      });
      try {
        const rows = await admin.unsafe('show stats').simple();
        const sum = (key: string) => rows.reduce((n, row) => n + Number(row[key] ?? 0), 0);
        return { transactions: sum('total_xact_count'), queries: sum('total_query_count') };
      } finally {
        await admin.end({ timeout: 2 });
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
