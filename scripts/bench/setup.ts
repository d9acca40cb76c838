// `make bench-setup` (~320 lines: clone, time, sample, stop, find leftovers, clean up, in the
// order they run): what a newcomer waits for, measured. Clones this repository (its committed
// HEAD) into a temporary folder, runs `make setup`, then `make up` until the web app's
// /api/health and the worker's /readyz answer 200, samples the processes' memory and CPU with
// `ps`, stops `make up` the way Ctrl-C does and checks that no process is left. The run uses
// free ports, a database and a queue prefix of its own, and removes them afterwards.
//   ARGS=--cold    give the clone an empty pnpm store (a first install, everything downloaded)
//   ARGS=--notice  also print the figures as GitHub Actions notices (the setup-time workflow)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { freePort } from '@app/db/testing/processes';
import { findRepoRoot } from '@app/shared/env/node';
import { answersOk, pollUntil, within } from '@app/shared/wait';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { commandArgs } from '../lib/args.ts';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, die, dim, fail, ok, step } from '../lib/output.ts';
import { unlinkMatching } from '../lib/redis.ts';

const HEALTHY_TIMEOUT_MS = 600_000;
const { values: args } = commandArgs({
  usage: 'make bench-setup [ARGS="--cold --notice"]',
  summary: 'Time a fresh clone → make setup → make up until web and worker answer 200.',
  options: {
    cold: { type: 'boolean', description: 'an empty pnpm store, so every package downloads' },
    notice: { type: 'boolean', description: 'also print the figures as GitHub Actions notices' },
  },
});
const cold = args.cold;

const env = loadScriptsEnv('bench-setup');
const root =
  findRepoRoot() ?? die('no pnpm-workspace.yaml above this folder: run it from the repository');
const id = `bench_setup_${Date.now().toString(36)}`;
const work = mkdtempSync(path.join(tmpdir(), 'bench-setup-'));
const clone = path.join(work, 'app');
const logFile = path.join(work, 'bench-setup.log');
const log = openSync(logFile, 'a');
const [webPort, workerPort] = [await freePort(), await freePort()];
const databaseUrl = withDatabase(env.DATABASE_URL, id);

// What a new terminal would have: no make or pnpm variables from the `make bench-setup` around us.
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^(MAKE|MFLAGS|npm_package_|npm_lifecycle_)/.test(k),
  ),
);
const childEnv: NodeJS.ProcessEnv = {
  ...inherited,
  DATABASE_URL: databaseUrl,
  REDIS_URL: env.REDIS_URL,
  QUEUE_PREFIX: id,
  PORT: String(webPort),
  WORKER_HEALTH_PORT: String(workerPort),
  WORKER_HEALTH_URL: `http://127.0.0.1:${workerPort}`,
  NO_COLOR: '1',
  ...(cold ? { npm_config_store_dir: path.join(work, 'pnpm-store') } : {}),
};

const figures: { label: string; seconds: number }[] = [];
let up: ReturnType<typeof spawn> | undefined;
let exitCode = 0;
try {
  step(
    `fresh clone of ${root} (HEAD ${git('rev-parse', '--short=12', 'HEAD')}) in ${clone}; log: ${logFile}`,
  );
  figures.push({
    label: 'git clone',
    seconds: await timed('git', ['clone', '--quiet', root, clone], work),
  });
  const store = cold ? 'empty pnpm store: everything downloaded' : 'pnpm store warm';
  figures.push({ label: `make setup (${store})`, seconds: await timed('make', ['setup'], clone) });

  step(`make up on web :${webPort}, worker :${workerPort}, database ${id}`);
  const t0 = performance.now();
  up = spawn('make', ['up'], {
    cwd: clone,
    env: childEnv,
    detached: true,
    stdio: ['ignore', log, log],
  });
  const upExited = new Promise<number | null>((resolve) => up?.on('exit', (code) => resolve(code)));
  const urls = [`http://127.0.0.1:${webPort}/api/health`, `http://127.0.0.1:${workerPort}/readyz`];
  const firstOk = await waitFor200(urls, upExited, HEALTHY_TIMEOUT_MS);
  const healthy = (performance.now() - t0) / 1000;
  const [web = 0, worker = 0] = urls.map((u) => ((firstOk.get(u) ?? t0) - t0) / 1000);
  figures.push({
    label: `make up → both 200 (worker ${worker.toFixed(1)} s, web ${web.toFixed(1)} s)`,
    seconds: healthy,
  });

  const total = figures.reduce((sum, f) => sum + f.seconds, 0);
  console.log(
    bold(
      `\nFresh clone → healthy app (${process.version}, ${availableParallelism()} CPUs, ${gb(totalmem())} GB RAM)`,
    ),
  );
  for (const f of figures)
    console.log(`  ${f.label.padEnd(66)} ${f.seconds.toFixed(1).padStart(6)} s`);
  console.log(bold(`  ${'total'.padEnd(66)} ${total.toFixed(1).padStart(6)} s`));

  const upPid = up.pid ?? 0;
  const tree = processTree(upPid);
  console.log(
    bold('\nProcesses of make up once healthy (ps: resident memory, CPU time since start)'),
  );
  for (const group of summarize(tree)) {
    console.log(
      `  ${group.name.padEnd(46)} ${String(group.count).padStart(2)} process(es) ${mb(group.rssKb).padStart(6)} MB ${group.cpu < 1 ? '  <1' : String(Math.round(group.cpu)).padStart(4)} s CPU`,
    );
  }
  if (args.notice) {
    const rss = summarize(tree).reduce((sum, g) => sum + g.rssKb, 0);
    console.log(
      `::notice title=Fresh clone to healthy::${figures.map((f) => `${f.label}: ${f.seconds.toFixed(1)} s`).join('; ')}; total ${total.toFixed(1)} s; processes ${mb(rss)} MB`,
    );
  }

  // Ctrl-C in a terminal signals the whole foreground group: make, tsx and up.ts.
  step('stopping make up as Ctrl-C does (SIGINT to its process group)');
  const stoppedAt = performance.now();
  process.kill(-upPid, 'SIGINT');
  const code = await within(upExited, 30_000);
  // Processes may take a moment to go after make returns; only what outlives 5 s counts as left.
  for (
    let i = 0;
    i < 20 &&
    survivors(
      tree.map((p) => p.pid),
      clone,
    ).length > 0;
    i++
  )
    await sleep(250);
  const left = survivors(
    tree.map((p) => p.pid),
    clone,
  );
  if (code === 'timeout' || left.length > 0) {
    exitCode = 1;
    fail(
      `make up did not stop cleanly: ${code === 'timeout' ? 'still running after 30 s; ' : ''}${left.length} process(es) left: ${left.map((p) => `${p.pid} ${p.args.slice(0, 80)}`).join('; ')} (killed now)`,
    );
    for (const p of left) tryKill(p.pid, 'SIGKILL');
  } else {
    ok(
      `stopped in ${((performance.now() - stoppedAt) / 1000).toFixed(1)} s (make exited ${code === null ? 'on SIGINT' : `with ${code}`}); no process of the clone is left`,
    );
  }
} catch (error) {
  exitCode = 1;
  fail((error as Error).message, `make up's output: ${logFile}`);
  if (up?.pid) tryKill(-up.pid, 'SIGKILL');
} finally {
  await cleanUp().catch((error: Error) => {
    exitCode = 1;
    fail(
      `cleaning up failed: ${error.message}`,
      `drop database ${id} and delete the Redis keys ${id}:* by hand`,
    );
  });
}
process.exit(exitCode);

async function cleanUp() {
  // The maintenance database: the one in .env may not exist yet when make up failed early.
  const sql = postgres(withDatabase(env.DATABASE_URL, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${id}" with (force)`);
  } finally {
    await sql.end();
  }
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await unlinkMatching(redis, `${id}:*`);
  } finally {
    redis.disconnect();
  }
  if (exitCode === 0) rmSync(work, { recursive: true, force: true });
  console.log(
    dim(
      `removed database ${id} and Redis keys ${id}:*${exitCode === 0 ? `, and ${work}` : `; kept ${work} for its log`}`,
    ),
  );
  console.log(
    dim("Postgres and Redis were left running (with Docker, `make down` stops compose's)"),
  );
}

function timed(command: string, commandArgs: string[], cwd: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd, env: childEnv, stdio: ['ignore', log, log] });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`${command} ${commandArgs.join(' ')} exited ${code}`));
    });
  });
}

async function waitFor200(urls: string[], exited: Promise<number | null>, timeoutMs: number) {
  const firstOk = new Map<string, number>();
  // make up dying ends the wait at once, with its exit code instead of a timeout.
  const upDied = new AbortController();
  void exited.then((code) =>
    upDied.abort(new Error(`make up exited (code ${code}) before both answered 200`)),
  );
  await pollUntil(
    async (signal) => {
      for (const url of urls) {
        if (!firstOk.has(url) && (await answersOk(url, signal)))
          firstOk.set(url, performance.now());
      }
      if (firstOk.size === urls.length) return true;
      throw new Error(`waiting for ${urls.filter((u) => !firstOk.has(u)).join(', ')}`);
    },
    { what: 'web and worker health', timeoutMs, signal: upDied.signal },
  );
  return firstOk;
}

type Proc = { pid: number; ppid: number; rssKb: number; cpu: number; args: string };

function listProcesses(): Proc[] {
  const out = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,rss=,time=,args='], {
    encoding: 'utf8',
  }).stdout;
  return out.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) return [];
    return [
      {
        pid: Number(m[1]),
        ppid: Number(m[2]),
        rssKb: Number(m[3]),
        cpu: cpuSeconds(m[4] ?? ''),
        args: m[5] ?? '',
      },
    ];
  });
}

/** `ps -o time`: [DD-]HH:MM:SS on Linux, M:SS.ss on macOS. */
function cpuSeconds(text: string): number {
  const [days, clock = ''] = text.includes('-') ? text.split('-') : ['0', text];
  return clock.split(':').reduce((acc, part) => acc * 60 + Number(part), 0) + Number(days) * 86_400;
}

function processTree(rootPid: number): Proc[] {
  const all = listProcesses();
  const tree: Proc[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift();
    for (const p of all) {
      if (p.pid === pid) tree.push(p);
      if (p.ppid === pid) queue.push(p.pid);
    }
  }
  return tree;
}

/** Groups the tree under the two processes up.ts starts (next dev, tsx watch) and the rest. */
function summarize(tree: Proc[]) {
  const byPid = new Map(tree.map((p) => [p.pid, p]));
  const groupOf = (p: Proc): string => {
    for (let cur: Proc | undefined = p; cur; cur = byPid.get(cur.ppid)) {
      if (/exec next dev/.test(cur.args)) return 'web (pnpm → next dev → next-server)';
      if (/exec tsx watch/.test(cur.args)) return 'worker (pnpm → tsx watch → node)';
    }
    return 'make up itself (make → tsx → scripts/dev/up.ts)';
  };
  const groups = new Map<string, { name: string; count: number; rssKb: number; cpu: number }>();
  for (const p of tree) {
    const name = groupOf(p);
    const g = groups.get(name) ?? { name, count: 0, rssKb: 0, cpu: 0 };
    g.count++;
    g.rssKb += p.rssKb;
    g.cpu += p.cpu;
    groups.set(name, g);
  }
  return [...groups.values()].sort((a, b) => b.rssKb - a.rssKb);
}

/** Pids of the tree still alive, plus anything else running from the clone. */
function survivors(pids: number[], dir: string): Proc[] {
  const alive = listProcesses();
  const known = new Set(pids);
  return alive.filter((p) => (known.has(p.pid) || p.args.includes(dir)) && p.pid !== process.pid);
}

function tryKill(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function git(...gitArgs: string[]): string {
  return spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' }).stdout.trim();
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
function mb(kb: number) {
  return String(Math.round(kb / 1024));
}
function gb(bytes: number) {
  return (bytes / 1024 ** 3).toFixed(1);
}
