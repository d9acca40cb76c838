import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { commandArgs } from '../../lib/args.ts';
import { fail, ok } from '../../lib/output.ts';
import { formatFinding, lintMigrations, type MigrationFile } from './lint.ts';

/**
 * `make lint`'s migration safety check: every committed db/migrations/*.sql read as one history;
 * one line per statement that would break the previous release, exit 1 when there is any.
 * `--dir <path>` lints another folder (tests, a checkout of another commit).
 */

const root = path.resolve(import.meta.dirname, '../../..');

export function readMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => ({ name, source: readFileSync(path.join(dir, name), 'utf8') }));
}

/** Application code that could name an index (not the Drizzle schema, which declares it). */
function sourceFiles(base: string): string[] {
  const dirs = ['apps/web/src', 'apps/worker/src', 'apps/shared/src', 'db/src'];
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|tsx)$/.test(entry) && !/\.test\.ts$/.test(entry) && entry !== 'schema.ts')
        files.push(full);
    }
  };
  for (const dir of dirs) walk(path.join(base, dir));
  return files;
}

export function indexNamedIn(base: string): (name: string) => string | undefined {
  const files = sourceFiles(base).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  return (name) => {
    for (const { file, text } of files) {
      const at = text.indexOf(name);
      if (at === -1) continue;
      const line = text.slice(0, at).split('\n').length;
      return `${path.relative(base, file)}:${line}`;
    }
    return undefined;
  };
}

function main(): void {
  const { values } = commandArgs({
    usage: 'make lint (or: tsx scripts/checks/migrations/main.ts [--dir db/migrations])',
    summary: 'Flag migration statements that break the previous release (expand/contract).',
    options: {
      dir: { type: 'string', description: 'folder of SQL migrations', placeholder: 'PATH' },
    },
  });
  const dir = path.resolve(values.dir ?? path.join(root, 'db/migrations'));
  let files: MigrationFile[];
  try {
    files = readMigrations(dir);
  } catch (error) {
    fail(`cannot read migrations in ${dir}: ${(error as Error).message}`);
    process.exit(1);
  }
  const result = lintMigrations(files, { namedIn: indexNamedIn(root) });
  const shown = path.relative(process.cwd(), dir) || '.';
  if (result.findings.length > 0) {
    for (const finding of result.findings) console.log(`✗ ${formatFinding(finding, shown)}`);
    fail(
      `migrations: ${result.findings.length} statement(s) would break the previous release`,
      'expand/contract in docs/deploy.md; a deliberate break needs "-- contract: <release> <reason>" directly above the statement',
    );
    process.exit(1);
  }
  ok(
    `migrations: ${files.length} files, ${result.statements} statements, nothing breaks the previous release` +
      (result.accepted.length > 0
        ? ` (${result.accepted.length} accepted by contract markers)`
        : ''),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
