import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRename, TEMPLATE_SCOPE, type TemplateRecord } from './rename.ts';

// `make template-update` as an adopter runs it, in a repository made from a tiny template by the
// same rename `make init` applies, against that template as a local git upstream. The template is
// a few files, not this repository: the merge logic is what is under test, and it takes seconds.
// Over 250 lines: one story (a template, an adopter, two template releases) told in order.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = mkdtempSync(path.join(tmpdir(), 'template-update-'));
const upstream = path.join(root, 'template');
const derived = path.join(root, 'acme-crm');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const { FORCE_COLOR: _colour, ...plainEnv } = process.env;
const env = {
  ...plainEnv,
  NO_COLOR: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const write = (dir: string, file: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
};
const read = (file: string) => readFileSync(path.join(derived, file), 'utf8');

/** The script as `make template-update ARGS=…` starts it, in the derived repository. */
function update(...args: string[]): { status: number; out: string } {
  const result = spawnSync(
    path.join(repo, 'node_modules/.bin/tsx'),
    [path.join(repo, 'scripts/adopt/template-update.ts'), ...args],
    { cwd: derived, env, encoding: 'utf8' },
  );
  return { status: result.status ?? 1, out: `${result.stdout}${result.stderr}` };
}

/** Everything a run could write: every file outside .git, the refs, HEAD and the index. */
function snapshot(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.name === '.git') continue;
      if (entry.isDirectory()) walk(full);
      else hash.update(`${full}\0`).update(readFileSync(full));
    }
  };
  walk(derived);
  hash.update(git(derived, 'for-each-ref'));
  hash.update(git(derived, 'rev-parse', 'HEAD'));
  hash.update(readFileSync(path.join(derived, '.git/index')));
  return hash.digest('hex');
}

const S = TEMPLATE_SCOPE; // spelled through the constant, so `make init` leaves this test alone
const lines = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n');
// Eight lines between the adopter's edit of a manifest and the template's: git merges them cleanly.
const keys = Array.from({ length: 8 }, (_, i) => `  "k${i + 1}": 1,`).join('\n');
let v1 = '';
let v2 = '';

beforeAll(() => {
  mkdirSync(upstream);
  git(upstream, 'init', '-q', '-b', 'main');
  write(upstream, 'package.json', '{\n  "name": "tiny-template",\n  "private": true\n}\n');
  write(
    upstream,
    'apps/shared/package.json',
    `{\n  "name": "${S}shared",\n  "version": "0.0.0"\n}\n`,
  );
  write(
    upstream,
    'apps/web/package.json',
    `{\n  "name": "${S}web",\n  "dependencies": {\n    "${S}shared": "workspace:*"\n  },\n${keys}\n  "last": 1\n}\n`,
  );
  write(
    upstream,
    'apps/web/src/index.ts',
    `import { x } from '${S}shared';\nexport const y = x;\n`,
  );
  write(upstream, 'apps/web/src/demo.ts', '// template-demo\nexport const demo = 1;\n');
  write(upstream, 'README.md', `# Tiny template\n\n${lines(10, 'line')}\n`);
  write(upstream, 'docs/old.md', 'an old page\n');
  write(upstream, 'docs/gone.md', 'a page the template will drop\n');
  git(upstream, 'add', '-A');
  git(upstream, 'commit', '-qm', 'template v1');
  v1 = git(upstream, 'rev-parse', 'HEAD');

  // The adopter: a clone, renamed by make init's own rules, with template.json as init writes it.
  git(root, 'clone', '-q', upstream, derived);
  const files = git(derived, 'ls-files').split('\n');
  for (const change of planRename('acme-crm', files, read))
    write(derived, change.file, change.text);
  const record: TemplateRecord = {
    name: 'acme-crm',
    upstream,
    commit: v1,
    date: '2026-12-01T00:00:00.000Z',
    scope: { from: S, to: '@acme-crm/' },
  };
  write(derived, 'template.json', `${JSON.stringify(record, null, 2)}\n`);
  git(derived, 'add', '-A');
  git(derived, 'commit', '-qm', 'Start acme-crm from the template');
  // Then it works on its product: removes the demo, edits the README, a manifest and a page, and
  // writes a page of its own where the template will add one.
  rmSync(path.join(derived, 'apps/web/src/demo.ts'));
  write(derived, 'README.md', read('README.md').replace('line 5\n', 'line 5, as acme-crm says\n'));
  write(derived, 'apps/web/package.json', read('apps/web/package.json').replace('"k1"', '"k1a"'));
  write(derived, 'docs/gone.md', 'a page acme-crm still needs\n');
  write(derived, 'docs/notes.md', 'acme-crm notes\n');
  git(derived, 'add', '-A');
  git(derived, 'commit', '-qm', 'acme-crm work');

  // The template improves: a file the adopter never touched, a file both edited, a file the
  // adopter deleted, a manifest both edited far apart, a new page and a deleted one.
  write(
    upstream,
    'apps/web/src/index.ts',
    `import { x } from '${S}shared';\nexport const y = x + 1;\n`,
  );
  write(
    upstream,
    'README.md',
    `# Tiny template\n\n${lines(10, 'line').replace('line 5', 'line five')}\n`,
  );
  write(upstream, 'apps/web/src/demo.ts', '// template-demo\nexport const demo = 2;\n');
  const web = readFileSync(path.join(upstream, 'apps/web/package.json'), 'utf8');
  write(upstream, 'apps/web/package.json', web.replace('"last": 1', '"last": 2'));
  write(upstream, 'docs/new.md', `Use ${S}shared.\n`);
  rmSync(path.join(upstream, 'docs/old.md'));
  rmSync(path.join(upstream, 'docs/gone.md'));
  write(upstream, 'docs/notes.md', 'template notes\n');
  git(upstream, 'add', '-A');
  git(upstream, 'commit', '-qm', 'template v2');
  v2 = git(upstream, 'rev-parse', 'HEAD');
}, 60_000);

describe('make template-update', () => {
  it('refuses a dirty tree, and a repository without template.json, in one line each', () => {
    write(derived, 'README.md', `${read('README.md')}local\n`);
    const dirty = update();
    expect(dirty.status).not.toBe(0);
    expect(dirty.out).toContain('✗ the working tree has uncommitted changes');
    git(derived, 'checkout', '-q', 'README.md');

    const bare = path.join(root, 'bare');
    mkdirSync(bare);
    git(bare, 'init', '-q');
    const none = spawnSync(
      path.join(repo, 'node_modules/.bin/tsx'),
      [path.join(repo, 'scripts/adopt/template-update.ts')],
      { cwd: bare, env, encoding: 'utf8' },
    );
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('✗ no template.json here');
    expect(none.stderr).toContain('run `make init NAME=…` first');
    expect(dirty.out + none.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('--dry-run lists what would change and writes nothing', () => {
    const before = snapshot();
    const dry = update('--dry-run');
    expect(dry.status, dry.out).toBe(0);
    expect(dry.out).toMatch(/would be updated\s+apps\/web\/src\/index\.ts/);
    expect(dry.out).toMatch(/conflict\s+README\.md/);
    expect(dry.out).toMatch(/skipped\s+apps\/web\/src\/demo\.ts\s+\(you deleted it/);
    expect(dry.out).toContain('dry run: nothing written');
    expect(snapshot()).toBe(before);
  });

  it('merges: clean where only the template changed, markers and exit 1 where both did', () => {
    const run = update();
    expect(run.status, run.out).toBe(1);
    expect(run.out).toMatch(/updated\s+apps\/web\/src\/index\.ts/);
    expect(run.out).toMatch(/merged\s+apps\/web\/package\.json/);
    expect(run.out).toMatch(/added\s+docs\/new\.md/);
    expect(run.out).toMatch(/deleted\s+docs\/old\.md/);
    expect(run.out).toMatch(
      /conflict\s+docs\/gone\.md\s+\(you changed it, the template deleted it/,
    );
    expect(run.out).toMatch(
      /conflict\s+docs\/notes\.md\s+\(the template added it, you have a different/,
    );
    expect(run.out).toMatch(
      /! 3 conflict\(s\), template.json unchanged:\n\s+README\.md\n\s+docs\/gone\.md\n\s+docs\/notes\.md\n/,
    );
    expect(run.out).toContain('make template-update ARGS=--continue');
    expect(run.out).not.toMatch(/\n\s+at /);

    // The template's files arrive renamed, as make init renamed the rest.
    expect(read('apps/web/src/index.ts')).toBe(
      "import { x } from '@acme-crm/shared';\nexport const y = x + 1;\n",
    );
    expect(read('docs/new.md')).toBe('Use @acme-crm/shared.\n');
    expect(read('apps/web/package.json')).toContain('"k1a": 1');
    expect(read('apps/web/package.json')).toContain('"last": 2');
    expect(read('apps/web/package.json')).toContain('"@acme-crm/shared": "workspace:*"');
    expect(existsSync(path.join(derived, 'apps/web/src/demo.ts'))).toBe(false);
    expect(existsSync(path.join(derived, 'docs/old.md'))).toBe(false);
    expect(read('README.md')).toMatch(
      /<<<<<<< yours\nline 5, as acme-crm says\n=======\nline five\n>>>>>>> template [0-9a-f]{12}\n/,
    );
    expect(read('docs/gone.md')).toBe('a page acme-crm still needs\n');
    expect(read('docs/notes.md')).toMatch(
      /^<<<<<<< yours\nacme-crm notes\n=======\ntemplate notes\n>>>>>>> /,
    );
    expect(JSON.parse(read('template.json')).commit).toBe(v1);

    const early = update('--continue');
    expect(early.status).not.toBe(0);
    expect(early.out).toContain('✗ still conflict markers in README.md, docs/notes.md');
    expect(JSON.parse(read('template.json')).commit).toBe(v1);

    write(
      derived,
      'README.md',
      read('README.md').replace(
        /<<<<<<< yours\n[\s\S]*?>>>>>>> .*\n/,
        'line five, as acme-crm says\n',
      ),
    );
    write(derived, 'docs/notes.md', 'acme-crm notes\ntemplate notes\n');
    const resolved = update('--continue');
    expect(resolved.status, resolved.out).toBe(0);
    expect(JSON.parse(read('template.json')).commit).toBe(v2);
    git(derived, 'add', '-A');
    git(derived, 'commit', '-qm', 'Take template v2');
  });

  it('records the new commit itself after a clean apply', () => {
    write(
      upstream,
      'apps/web/src/index.ts',
      `import { x } from '${S}shared';\nexport const y = x + 2;\n`,
    );
    git(upstream, 'commit', '-qam', 'template v3');
    const v3 = git(upstream, 'rev-parse', 'HEAD');
    const run = update();
    expect(run.status, run.out).toBe(0);
    expect(run.out).toContain(`✓ template.json now records template commit ${v3.slice(0, 12)}`);
    expect(JSON.parse(read('template.json')).commit).toBe(v3);
    expect(read('apps/web/src/index.ts')).toContain('x + 2');
    // No ref, no remote left behind.
    expect(git(derived, 'for-each-ref', 'refs/template-update')).toBe('');
    expect(git(derived, 'remote')).toBe('origin');

    git(derived, 'commit', '-qam', 'Take template v3');
    const again = update();
    expect(again.status, again.out).toBe(0);
    expect(again.out).toContain('✓ already up to date');
  });
});
