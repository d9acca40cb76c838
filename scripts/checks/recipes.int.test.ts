import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { copyWorkingTree, type WorkingTreeCopy } from '../lib/working-tree-copy.ts';

// CLAUDE.md's "add a job" recipe, followed literally in a copy of the working tree: the files it
// names, the definition from its code block, the handler and registry line from its steps, then
// `make typecheck test-unit` in the copy. Fails when the recipe misses an edit the code needs
// (a list somewhere else) or names a file that no longer exists.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const guide = readFileSync(path.join(repo, 'CLAUDE.md'), 'utf8');
const recipe = guide.slice(guide.indexOf('### add a job'), guide.indexOf('### add an API route'));
let tree: WorkingTreeCopy | undefined;
let copy = '';
afterAll(() => tree?.remove());

/** A command in the copy; its own output (both streams) is the useful part of a failure. */
function run(command: string, args: string[]): string {
  const result = tree?.sh(`${command} ${args.join(' ')}`) ?? { status: 1, out: 'no copy' };
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.out.slice(-4000)}`);
  }
  return result.out;
}

function edit(file: string, change: (text: string) => string) {
  const full = path.join(copy, file);
  writeFileSync(full, change(readFileSync(full, 'utf8')));
}

describe('CLAUDE.md: add a scheduled job', () => {
  it('names exactly the files a new job needs', () => {
    const named = (recipe.match(/`((?:apps|db|scripts)\/[^`\s]+|\.env\.example)`/g) ?? [])
      .map((file) => file.replaceAll('`', ''))
      .filter((file) => !file.endsWith('test.ts'));
    expect([...new Set(named)].sort()).toEqual([
      '.env.example',
      'apps/shared/src/jobs/definitions/<name>.ts',
      'apps/shared/src/jobs/definitions/index.ts',
      'apps/worker/src/jobs/handlers/<name>.ts',
      'apps/worker/src/jobs/registry.ts',
    ]);
  });

  it('is complete: with only those edits the job is registered, its variables validated', () => {
    // The working tree as git sees it, a git repository of its own as a clone is (checks that
    // list the repository's files, the demo guard and the tasks overview, ask git).
    tree = copyWorkingTree(repo, 'recipe');
    copy = tree.dir;
    run('pnpm', ['install', '--offline', '--frozen-lockfile', '--silent']);
    writeFileSync(path.join(copy, 'node_modules/.install-stamp'), '');

    const block = /```ts\n([\s\S]*?)```/.exec(recipe)?.[1] ?? '';
    const definition = block.replace(/^ {3}/gm, '');
    expect(definition).toContain('defineJob(');
    const name = /export const (\w+) = defineJob/.exec(definition)?.[1] ?? '';
    const jobName = /name: '([^']+)'/.exec(definition)?.[1] ?? '';
    const cron = /env: '([A-Z_]+)', default: '([^']+)'/.exec(definition);
    const file = jobName.replace('.', '-');
    writeFileSync(path.join(copy, `apps/shared/src/jobs/definitions/${file}.ts`), definition);
    edit(
      'apps/shared/src/jobs/definitions/index.ts',
      (text) => `${text}export { ${name} } from './${file}.ts';\n`,
    );
    writeFileSync(
      path.join(copy, `apps/worker/src/jobs/handlers/${file}.ts`),
      [
        `import { ${name} } from '@app/shared/contracts';`,
        "import { defineHandler } from '../handler.ts';",
        '',
        `export const handler = defineHandler(${name}, async (payload, ctx) => {`,
        "  ctx.logger.info({ top: payload.top, to: ctx.settings.DIGEST_RECIPIENTS }, 'digest');",
        '  return { top: payload.top };',
        '});',
        '',
      ].join('\n'),
    );
    edit('apps/worker/src/jobs/registry.ts', (text) => {
      // The import may be one line or one name per line (the formatter decides); the name goes last.
      const registered = text
        .replace(
          /import \{([^}]+?),?(\s*)\} from '@app\/shared\/contracts'/,
          `import {$1, ${name}$2} from '@app/shared/contracts'`,
        )
        .replace(
          /\n\];/,
          `\n  lazyHandler(${name}, async () => (await import('./handlers/${file}.ts')).handler),\n];`,
        );
      // A registry that changed shape must fail here, not as a puzzling type error later.
      expect(registered).toContain(`, ${name}`);
      expect(registered).toContain(`lazyHandler(${name},`);
      return registered;
    });
    edit(
      '.env.example',
      (text) =>
        `${text}# ${jobName}: the recipe's job.\n${cron?.[1]}=${cron?.[2]}\nDIGEST_RECIPIENTS=team@example.com\n`,
    );
    // A test of the test's own: the worker env now validates and defaults the job's variables.
    const probe = `import { workerEnvSchema } from './env.ts';
import { expect, it } from 'vitest';
it('validates the recipe job', () => {
  const paths = (workerEnvSchema.safeParse({ ${cron?.[1]}: 'soon' }).error?.issues ?? []).map((i) => i.path.join('.'));
  expect(paths).toContain('${cron?.[1]}');
  expect(workerEnvSchema.shape.DIGEST_RECIPIENTS?.parse(undefined)).toBe('team@example.com');
});
`;
    writeFileSync(path.join(copy, 'apps/worker/src/recipe-probe.test.ts'), probe);

    const typecheck = run('make', ['typecheck']);
    expect(typecheck).toContain('apps/worker typecheck: Done');
    const units = run('make', ['test-unit']);
    expect(units).toMatch(/Tests\s+\d+ passed/);
    expect(units).not.toMatch(/Tests.*failed/);
    expect(units).toContain('recipe-probe.test.ts');
  }, 600_000);
});
