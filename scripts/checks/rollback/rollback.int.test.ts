// template-demo
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEnv } from '@app/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 14's test, in a clone of this repository: a migration that drops a column the previous
 * release reads (imports.processed_bytes: the import pipeline writes it, the API returns it) is
 * flagged by the lint; with a contract marker the lint passes, and `make check-rollback` (the
 * previous release really built in a worktree, its production web server and worker bundle on the
 * new schema) fails naming the column. Minutes: the previous release gets its own `next build`.
 */

const root = path.resolve(import.meta.dirname, '../../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

function sh(cwd: string, command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function gitOk(cwd: string, args: string[]) {
  const result = sh(cwd, 'git', args);
  expect(result.status, result.out).toBe(0);
  return result.out.trim();
}

describe('a migration that drops a column the previous release reads', () => {
  let clone: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const services = await testEnv();
    env = { TEST_DATABASE_URL: services.databaseUrl, TEST_REDIS_URL: services.redisUrl };
    clone = mkdtempSync(path.join(tmpdir(), 'rollback-test-'));
    // This commit as `main` of a repository of its own: the previous release of the branch below.
    gitOk(tmpdir(), ['clone', '--quiet', root, clone]);
    gitOk(clone, ['checkout', '--quiet', '-B', 'main']);
    gitOk(clone, ['remote', 'remove', 'origin']);
    gitOk(clone, ['checkout', '--quiet', '-b', 'drop-processed-bytes']);
    gitOk(clone, ['config', 'user.email', 'test@example.com']);
    gitOk(clone, ['config', 'user.name', 'Test']);
  });
  afterAll(() => {
    if (clone) {
      sh(root, 'git', ['-C', clone, 'worktree', 'prune']);
      rmSync(clone, { recursive: true, force: true });
    }
  });

  const migrations = () => path.join(clone, 'db/migrations');
  const lint = () =>
    sh(clone, tsx, [path.join(root, 'scripts/checks/migrations/main.ts'), '--dir', migrations()]);

  function commitMigration(sql: string, message: string) {
    const journalFile = path.join(migrations(), 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as {
      entries: { idx: number; tag: string; when: number; version: string; breakpoints: boolean }[];
    };
    const tag = '0099_drop-processed-bytes';
    if (!journal.entries.some((e) => e.tag === tag)) {
      const last = journal.entries.at(-1);
      journal.entries.push({
        idx: (last?.idx ?? 0) + 1,
        version: '7',
        when: (last?.when ?? 0) + 1000,
        tag,
        breakpoints: true,
      });
      writeFileSync(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
    }
    writeFileSync(path.join(migrations(), `${tag}.sql`), sql);
    gitOk(clone, ['add', '-A']);
    gitOk(clone, ['commit', '--quiet', '--no-verify', '-m', message]);
  }

  it('the lint flags it with the file, the line and the safe way', () => {
    commitMigration('ALTER TABLE "imports" DROP COLUMN "processed_bytes";\n', 'drop a column');
    const result = lint();
    expect(result.status).toBe(1);
    expect(result.out).toMatch(
      /0099_drop-processed-bytes\.sql:1: drop-column: ALTER TABLE "imports" DROP COLUMN "processed_bytes" — .*safe: stop reading and writing the column/,
    );
    expect(result.out).not.toMatch(STACK_FRAME);
  });

  it('with a contract marker the lint passes', () => {
    commitMigration(
      '-- contract: v2 processed_bytes is no longer used\nALTER TABLE "imports" DROP COLUMN "processed_bytes";\n',
      'mark the drop',
    );
    const result = lint();
    expect(result.out).toContain('accepted by contract markers');
    expect(result.status).toBe(0);
  });

  it('the rollback check runs the previous release on the new schema and names the column', () => {
    const t = performance.now();
    const result = sh(clone, tsx, [path.join(root, 'scripts/checks/rollback/main.ts')], env);
    const seconds = Math.round((performance.now() - t) / 1000);
    console.log(`check-rollback in the clone: ${seconds} s, exit ${result.status}`);
    expect(result.out).toContain('(merge-base of HEAD and main)');
    expect(result.out).toMatch(
      /✗ rollback check: previous release [0-9a-f]{7} fails on this commit's schema: .*column "processed_bytes".* does not exist/,
    );
    expect(result.status).toBe(1);
    expect(result.out).not.toMatch(STACK_FRAME);
    // Nothing left behind: the worktree is removed.
    expect(gitOk(clone, ['worktree', 'list'])).not.toContain('rollback-check-');
  }, 420_000);
});
