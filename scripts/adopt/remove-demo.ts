// `make remove-demo`: takes the contacts-import demo out (docs/adopting.md §2, decision 0093).
// What goes is whatever the rule of decision 0095 finds (marked files, demo:start/end blocks),
// never a list; a new migration drops the demo's tables. Refuses a dirty tree unless --force, and
// refuses when a file outside the rule still depends on the demo (the removal would not compile).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { demoViolations } from '../checks/demo/guard.ts';
import { parseOverview, renderBlock } from '../checks/tasks/overview.ts';
import { loadTasks, OVERVIEW_FILE } from '../checks/tasks/task-files.ts';
import { commandArgs } from '../lib/args.ts';
import { die, ok, step } from '../lib/output.ts';
import { demoPlan, stripDemo } from '../lib/template-demo.ts';

const { values } = commandArgs({
  usage: 'make remove-demo [ARGS="--yes --force --dry-run"]',
  summary: 'Remove the contacts-import demo: its files, its lines in shared files, its tables.',
  options: {
    yes: { type: 'boolean', description: 'do not ask for confirmation' },
    force: { type: 'boolean', description: 'run on a tree with uncommitted changes' },
    'dry-run': { type: 'boolean', description: 'list what would change, write nothing' },
  },
});

const root = process.cwd();
const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

const plan = demoPlan(root);
if (plan.problems.length > 0) {
  for (const problem of plan.problems) console.error(`  ${problem}`);
  die('the demo markers are unbalanced', 'fix the demo:start/demo:end pairs listed above');
}
if (plan.files.length === 0 && plan.blocks.length === 0) {
  ok('the demo is already removed: nothing to change');
  process.exit(0);
}
const violations = demoViolations(root);
if (violations.length > 0) {
  for (const violation of violations) console.error(`  ${violation}`);
  die(
    `${violations.length} file(s) outside the demo rule still depend on the demo`,
    'mark them "// template-demo" or wrap the lines in demo:start/demo:end (decision 0095), then run again',
  );
}
if (!values['dry-run'] && git('status', '--porcelain') !== '' && !values.force)
  die(
    'the working tree has uncommitted changes',
    'commit or stash them first (so the removal is one reviewable diff), or add ARGS=--force',
  );

// The demo's tables: every pgTable/pgEnum the schema declares inside its demo blocks.
const schemaFile = 'db/src/schema.ts';
const schemaBlocks = plan.blocks.find((entry) => entry.file === schemaFile)?.blocks ?? [];
const schemaLines = readFileSync(schemaFile, 'utf8').split('\n');
const demoTables = schemaBlocks.flatMap(([from, to]) =>
  [
    ...schemaLines
      .slice(from, to + 1)
      .join('\n')
      .matchAll(/pg(Table|Enum)\(\s*'(\w+)'/g),
  ].map((match) => `${match[1] === 'Enum' ? 'type' : 'table'} ${match[2]}`),
);

const lineCount = (blocks: [number, number][]) =>
  blocks.reduce((sum, [from, to]) => sum + to - from + 1, 0);
console.log(`Removing the demo deletes ${plan.files.length} file(s):`);
for (const file of plan.files) console.log(`  ${file}`);
console.log(`and cuts demo lines from ${plan.blocks.length} shared file(s):`);
for (const { file, blocks } of plan.blocks) console.log(`  ${file} (${lineCount(blocks)} lines)`);
if (demoTables.length > 0)
  console.log(
    `A new migration drops: ${demoTables.join(', ')} (their data goes with them; data you keep? \`make backup\` first)`,
  );
if (values['dry-run']) {
  ok('dry run: nothing changed');
  process.exit(0);
}
if (!values.yes) {
  if (!process.stdin.isTTY) die('not a terminal, cannot confirm', 'add ARGS=--yes to confirm');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question('Go ahead? [y/N] ')).trim();
  rl.close();
  if (!/^y(es)?$/i.test(answer)) die('stopped: nothing changed');
}

for (const file of plan.files) {
  rmSync(file);
  removeEmptyParents(path.dirname(file));
}
for (const { file, blocks } of plan.blocks)
  writeFileSync(file, stripDemo(readFileSync(file, 'utf8'), blocks));
ok(`removed ${plan.files.length} file(s), cut ${plan.blocks.length} shared file(s)`);

if (demoTables.length > 0) writeDropMigration();
refreshTaskOverview();

// Imports only the cut lines used (a column type of a demo table, a helper of a demo test):
// Biome counts removing them as unsafe in general; here the code that used them is gone.
spawnSync(
  'pnpm',
  [
    'exec',
    'biome',
    'lint',
    '--write',
    '--unsafe',
    '--only=correctness/noUnusedImports',
    '--no-errors-on-unmatched',
    ...plan.blocks.map((entry) => entry.file),
  ],
  { stdio: 'ignore' },
);
step('biome check --write (imports and formatting where lines were cut)');
spawnSync(
  'pnpm',
  [
    'exec',
    'biome',
    'check',
    '--write',
    '--no-errors-on-unmatched',
    ...plan.blocks.map((entry) => entry.file),
  ],
  { stdio: 'ignore' },
);
ok('the demo is removed: review with `git diff`, run `make check`, then commit');

/** drizzle-kit writes the DROP statements from the cut schema; each gets its contract marker. */
function writeDropMigration(): void {
  step('drizzle-kit generate --name remove-demo (drops the demo tables)');
  const before = new Set(readdirSync('db/migrations'));
  const generate = spawnSync('pnpm', ['exec', 'drizzle-kit', 'generate', '--name', 'remove-demo'], {
    cwd: 'db',
    encoding: 'utf8',
  });
  const created = readdirSync('db/migrations').filter(
    (name) => name.endsWith('.sql') && !before.has(name),
  );
  if (generate.status !== 0 || created.length !== 1) {
    console.error(generate.stdout + generate.stderr);
    die('drizzle-kit could not write the migration', 'run `make db-generate NAME=remove-demo`');
  }
  const file = path.join('db/migrations', created[0] as string);
  // The migration lint (decision 0080) lets a drop through only with a reviewed contract marker:
  // the release that removed the demo's code is this one, so no running release reads the tables.
  const marked = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) =>
      /^DROP (TABLE|TYPE)\b/i.test(line)
        ? `-- contract: remove-demo the demo's code leaves with this release; nothing reads it\n${line}`
        : line,
    )
    .join('\n');
  writeFileSync(file, marked);
  ok(`wrote ${file}`);
}

/** The tasks overview's generated table lists task files: without the demo's, as `make tasks` would. */
function refreshTaskOverview(): void {
  const file = path.join(root, OVERVIEW_FILE);
  if (!existsSync(file)) return;
  const overview = parseOverview(readFileSync(file, 'utf8'));
  if ('error' in overview) return;
  const block = renderBlock(loadTasks(root).tasks, overview.statuses, overview.checked);
  writeFileSync(file, `${overview.before}${block}${overview.after}`);
}

function removeEmptyParents(dir: string): void {
  let current = dir;
  while (current !== '.' && current !== '' && readdirSync(current).length === 0) {
    rmdirSync(current);
    current = path.dirname(current);
  }
}
