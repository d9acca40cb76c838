import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan } from '../lib/template-demo.ts';
import { copyWorkingTree, type WorkingTreeCopy } from '../lib/working-tree-copy.ts';

// `make remove-demo` as an adopter runs it, in a copy of the working tree (a git repository of
// its own), then the copy's own `make check` and `make up`, as issue 15 asks. Minutes long (the
// copy runs its whole suite), so it is `make test-adopt`, which .ci/run runs after `make test`.

const repo = path.resolve(import.meta.dirname, '../..');
const demo = demoPlan(repo);
let copy: WorkingTreeCopy;

const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const database = `remove_demo_${process.pid}`;

beforeAll(() => {
  copy = copyWorkingTree(repo, 'remove-demo');
  const install = copy.sh(
    'pnpm install --offline --frozen-lockfile --silent && touch node_modules/.install-stamp',
  );
  expect(install.status, install.out).toBe(0);
}, 300_000);
afterAll(async () => {
  copy?.remove();
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`drop database if exists "${database}" with (force)`);
  await sql.end();
});

describe('make remove-demo', () => {
  it('lists what it would remove and writes nothing; refuses without --yes and on a dirty tree', () => {
    expect(demo.files.length).toBeGreaterThan(20);
    const dry = copy.sh('make remove-demo ARGS=--dry-run');
    expect(dry.status, dry.out).toBe(0);
    expect(dry.out).toContain(`Removing the demo deletes ${demo.files.length} file(s):`);
    expect(dry.out).toMatch(/A new migration drops: (table|type) \w+/);
    expect(dry.out).toContain('✓ dry run: nothing changed');
    expect(copy.git('status', '--porcelain')).toBe('');

    const unconfirmed = copy.sh('make remove-demo');
    expect(unconfirmed.status).not.toBe(0);
    expect(unconfirmed.out).toContain('add ARGS=--yes to confirm');
    appendFileSync(path.join(copy.dir, 'README.md'), 'local edit\n');
    const dirty = copy.sh('make remove-demo ARGS=--yes');
    expect(dirty.status).not.toBe(0);
    expect(dirty.out).toContain('✗ the working tree has uncommitted changes');
    copy.git('checkout', 'README.md');
    expect(copy.git('status', '--porcelain')).toBe('');
    expect(unconfirmed.out + dirty.out).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('removes every file and block the rule finds, once; then `make check` passes', () => {
    const removed = copy.sh('make remove-demo ARGS=--yes');
    expect(removed.status, removed.out).toBe(0);
    expect(removed.out).toMatch(/✓ wrote db\/migrations\/\d{4}_remove-demo\.sql/);
    // The same rule, on the copy: nothing is left; each demo file of the template is gone.
    const left = demoPlan(copy.dir);
    expect(left).toEqual({ files: [], blocks: [], problems: [] });
    expect(demo.files.filter((file) => existsSync(path.join(copy.dir, file)))).toEqual([]);
    expect(readFileSync(path.join(copy.dir, 'README.md'), 'utf8')).not.toContain('## The demo app');

    const again = copy.sh('make remove-demo ARGS=--yes');
    expect(again.status, again.out).toBe(0);
    expect(again.out).toContain('✓ the demo is already removed: nothing to change');

    copy.git('add', '-A');
    copy.git('commit', '-qm', 'remove the demo');
    const check = copy.sh('make check');
    // The whole output, for whoever reads a failure: the assertion shows only its end.
    mkdirSync(path.join(repo, 'test-results'), { recursive: true });
    writeFileSync(path.join(repo, 'test-results/remove-demo-make-check.log'), check.out);
    const failures = check.out.split('\n').filter((line) => /\bFAIL\b|✗|×/.test(line));
    expect(check.status, `${failures.join('\n')}\n…\n${check.out.slice(-3000)}`).toBe(0);
  }, 1_800_000);

  it('`make up` serves health, the dashboard and the example; the demo routes and tables are gone', async () => {
    const [port, healthPort] = [await freePort(), await freePort()];
    const example = readFileSync(path.join(copy.dir, '.env.example'), 'utf8');
    writeFileSync(
      path.join(copy.dir, '.env'),
      example
        .replace(/^DATABASE_URL=.*$/m, `DATABASE_URL=${withDatabase(serverUrl, database)}`)
        .replace(/^REDIS_URL=.*$/m, `REDIS_URL=${redisUrl}`)
        .replace(/^PORT=.*$/m, `PORT=${port}`)
        .replace(/^WORKER_HEALTH_PORT=.*$/m, `WORKER_HEALTH_PORT=${healthPort}`)
        .concat(`\nSERVICES=existing\nQUEUE_PREFIX=${database}\n`),
    );
    const up = spawn('make', ['up'], { cwd: copy.dir, detached: true, env: copyEnv() });
    let output = '';
    up.stdout.on('data', (chunk) => (output += chunk));
    up.stderr.on('data', (chunk) => (output += chunk));
    const base = `http://localhost:${port}`;
    try {
      await waitFor(
        async () => (await fetch(`${base}/api/health`)).status === 200,
        () => output,
      );
      expect(await (await fetch(`${base}/api/health`)).json()).toMatchObject({ status: 'ok' });
      expect((await fetch(`${base}/`)).status).toBe(200);
      expect((await fetch(`${base}/examples`)).status).toBe(200);
      for (const gone of ['/imports', '/contacts', '/api/imports', '/api/reports'])
        expect((await fetch(`${base}${gone}`)).status, gone).toBe(404);

      const created = await fetch(`${base}/api/examples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ message: 'after remove-demo' }),
      });
      expect(created.status).toBe(202);
      await waitFor(
        async () => {
          const body = (await (await fetch(`${base}/api/examples`)).json()) as {
            examples: { processedAt: string | null }[];
          };
          return body.examples.some((row) => row.processedAt !== null);
        },
        () => output,
      );

      const sql = postgres(withDatabase(serverUrl, database), { max: 1, onnotice: () => {} });
      const tables = await sql<{ name: string }[]>`
        select tablename as name from pg_tables where schemaname = 'public' order by 1`;
      await sql.end();
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(['examples', 'backup_runs']),
      );
      for (const table of ['contacts', 'imports', 'import_chunks', 'import_errors', 'reports'])
        expect(tables.map((t) => t.name)).not.toContain(table);
    } finally {
      if (up.pid) process.kill(-up.pid, 'SIGINT');
      await Promise.race([once(up, 'exit'), new Promise((r) => setTimeout(r, 20_000))]);
      if (up.exitCode === null && up.pid) process.kill(-up.pid, 'SIGKILL');
    }
  }, 600_000);
});

function copyEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _colour, ...env } = process.env;
  return { ...env, NO_COLOR: '1', CI: 'true' };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address ? address.port : 0;
}

async function waitFor(check: () => Promise<boolean>, output: () => string, ms = 240_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out; make up printed:\n${output().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
