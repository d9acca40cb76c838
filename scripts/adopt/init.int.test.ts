import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkingTree, type WorkingTreeCopy } from '../lib/working-tree-copy.ts';
import { TEMPLATE_SCOPE } from './rename.ts';

// `make init` as an adopter runs it, in a copy of the working tree that is a git repository of its
// own (clean, with an origin), then the copy's own lint, typecheck and unit tests.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let tree: WorkingTreeCopy;
let copy: string;
const sh = (command: string) => tree.sh(command);
const git = (...args: string[]) => tree.git(...args);
afterAll(() => tree?.remove());

beforeAll(() => {
  tree = copyWorkingTree(repo, 'init');
  copy = tree.dir;
  git('remote', 'add', 'origin', 'https://github.com/example/template.git');
  const install = sh(
    'pnpm install --offline --frozen-lockfile --silent && touch node_modules/.install-stamp',
  );
  expect(install.status, install.out).toBe(0);
}, 300_000);

describe('make init', () => {
  it('refuses a bad name, a missing name without a terminal, and a dirty tree', () => {
    const bad = sh("make init NAME='Acme CRM!'");
    expect(bad.status).not.toBe(0);
    expect(bad.out).toContain("✗ 'Acme CRM!' cannot be the product name: it has capital letters");
    const none = sh('make init');
    expect(none.out).toContain('✗ no product name given');
    expect(none.out).toContain('make init NAME=acme-crm');
    appendFileSync(path.join(copy, 'README.md'), 'local edit\n');
    const dirty = sh('make init NAME=acme-crm ARGS=--yes');
    expect(dirty.status).not.toBe(0);
    expect(dirty.out).toContain('✗ the working tree has uncommitted changes');
    git('checkout', 'README.md');
    expect(git('status', '--porcelain')).toBe('');
    expect(bad.out + none.out + dirty.out).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('renames everything that names the product, keeps the lockfile consistent, then changes nothing', () => {
    const first = sh('make init NAME=acme-crm ARGS=--yes');
    expect(first.status, first.out).toBe(0);
    expect(first.out).toContain("✓ 'acme-crm' is ready");

    const record = JSON.parse(readFileSync(path.join(copy, 'template.json'), 'utf8'));
    expect(record).toMatchObject({
      name: 'acme-crm',
      upstream: 'https://github.com/example/template.git',
      scope: { from: TEMPLATE_SCOPE, to: '@acme-crm/' },
    });
    expect(record.commit).toMatch(/^[0-9a-f]{40}$/);

    // What may keep the template's spellings, and why: the record of where it came from, and the
    // rename rules themselves.
    const allowed = [
      'template.json',
      'scripts/adopt/rename.ts',
      'scripts/adopt/rename.test.ts',
      'scripts/adopt/init.int.test.ts',
      // It shows the template's names next to the new ones.
      'docs/adopting.md',
    ];
    const left = spawnSync(
      'git',
      [
        'grep',
        '-n',
        '-I',
        '-E',
        `${TEMPLATE_SCOPE}|devcontainer-nextjs-bullmq-template|Next\\.js \\+ BullMQ \\+ Drizzle template`,
      ],
      { cwd: copy, encoding: 'utf8' },
    )
      .stdout.split('\n')
      .filter((line) => line && !allowed.some((file) => line.startsWith(`${file}:`)));
    expect(left).toEqual([]);
    const read = (file: string) => readFileSync(path.join(copy, file), 'utf8');
    expect(read('docker-compose.yml')).toMatch(/^name: acme-crm$/m);
    expect(read('docker-compose.yml')).toContain('POSTGRES_DB: acme_crm');
    expect(read('.env.example')).toContain('localhost:5432/acme_crm\n');
    expect(read('.devcontainer/devcontainer.json')).toContain('"name": "acme-crm",');
    expect(read('apps/web/Dockerfile')).toContain('image.title="acme-crm-web"');
    expect(read('README.md')).toMatch(/^# acme-crm\n/);
    expect(read('README.md')).toContain('## Make targets');

    // The lockfile names linked workspace packages: it must still agree with the manifests.
    const frozen = sh('pnpm install --offline --frozen-lockfile --silent');
    expect(frozen.status, frozen.out).toBe(0);

    git('add', '-A');
    git('commit', '-qm', 'init');
    const second = sh('make init NAME=acme-crm ARGS=--yes');
    expect(second.status, second.out).toBe(0);
    expect(second.out).toContain("✓ already initialised as 'acme-crm': nothing to change");
    expect(git('status', '--porcelain')).toBe('');
    const other = sh('make init NAME=other ARGS=--yes');
    expect(other.out).toContain("✗ this repository was already initialised as 'acme-crm'");

    const checks = sh('make lint typecheck test-unit');
    expect(checks.status, checks.out.slice(-4000)).toBe(0);
    expect(checks.out).toMatch(/Tests\s+\d+ passed/);
  }, 600_000);
});
