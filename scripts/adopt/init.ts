// `make init NAME=acme-crm`: makes the template a product of its own (docs/adopting.md, decision
// 0090). Renames the workspace scope and every place the template's name stands for the product,
// writes a fresh README head and template.json. Idempotent; refuses a dirty tree unless --force.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { commandArgs } from '../lib/args.ts';
import { die, ok, step } from '../lib/output.ts';
import { planRename, TEMPLATE_SCOPE, type TemplateRecord, validateName } from './rename.ts';

const { values } = commandArgs({
  usage: 'make init NAME=<product-name> [ARGS="--yes --force"]',
  summary: 'Rename the template to your product: scope, compose, database, images, README.',
  options: {
    name: {
      type: 'string',
      description: 'product name (npm and Docker rules)',
      placeholder: 'NAME',
    },
    yes: { type: 'boolean', description: 'do not ask for confirmation' },
    force: { type: 'boolean', description: 'run on a tree with uncommitted changes' },
    upstream: {
      type: 'string',
      description: 'template URL for template.json (default: the origin remote)',
      placeholder: 'URL',
    },
  },
});

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

let name = values.name?.trim();
if (!name) {
  if (!process.stdin.isTTY)
    die('no product name given', 'run `make init NAME=acme-crm` (lowercase, digits, hyphens)');
  name = await ask('Product name (lowercase, digits, hyphens, e.g. acme-crm): ');
}
const problem = validateName(name);
if (problem)
  die(`'${name}' cannot be the product name: ${problem}`, 'e.g. `make init NAME=acme-crm`');

const previous: TemplateRecord | undefined = existsSync('template.json')
  ? (JSON.parse(readFileSync('template.json', 'utf8')) as TemplateRecord)
  : undefined;
if (previous && previous.name !== name)
  die(
    `this repository was already initialised as '${previous.name}'`,
    'renaming again is not supported: rename by hand, or start from a fresh clone of the template',
  );

const files = git('ls-files', '-z').split('\0').filter(Boolean);
// Regular files only: a tracked symlink (to a folder, say) is not text to rewrite.
const read = (file: string) =>
  existsSync(file) && lstatSync(file).isFile() ? readFileSync(file, 'utf8') : undefined;
const plan = planRename(name, files, read);
if (plan.length === 0 && previous) {
  ok(`already initialised as '${name}': nothing to change`);
  process.exit(0);
}

if (git('status', '--porcelain') !== '' && !values.force)
  die(
    'the working tree has uncommitted changes',
    'commit or stash them first (so the rename is one reviewable diff), or add ARGS=--force',
  );

console.log(`Renaming the template to '${name}' changes ${plan.length} file(s):`);
for (const change of plan) console.log(`  ${change.file}`);
if (!values.yes) {
  if (!process.stdin.isTTY) die('not a terminal, cannot confirm', 'add ARGS=--yes to confirm');
  const answer = await ask('Go ahead? [y/N] ');
  if (!/^y(es)?$/i.test(answer)) die('stopped: nothing changed');
}

for (const change of plan) writeFileSync(change.file, change.text);
if (!previous) {
  const origin = spawnSync('git', ['remote', 'get-url', 'origin'], { encoding: 'utf8' });
  const record: TemplateRecord = {
    name,
    upstream: values.upstream ?? (origin.status === 0 ? origin.stdout.trim() : ''),
    commit: git('rev-parse', 'HEAD'),
    date: new Date().toISOString(),
    scope: { from: TEMPLATE_SCOPE, to: `@${name}/` },
  };
  writeFileSync('template.json', `${JSON.stringify(record, null, 2)}\n`);
  ok(`wrote template.json (template commit ${record.commit.slice(0, 12)})`);
}
// The workspace links in node_modules are named after the packages: relink them from the store.
step('pnpm install --offline (relinks the renamed workspace packages)');
const install = spawnSync('pnpm', ['install', '--offline', '--silent'], { stdio: 'inherit' });
if (install.status !== 0) {
  const online = spawnSync('pnpm', ['install', '--silent'], { stdio: 'inherit' });
  if (online.status !== 0)
    die('pnpm install failed after the rename', 'run `make setup` and read its error');
}
// A longer scope lengthens import lines and changes import order: let Biome re-format what it must.
step('biome check --write (import order and line length after the rename)');
spawnSync(
  'pnpm',
  ['exec', 'biome', 'check', '--write', '--no-errors-on-unmatched', ...plan.map((c) => c.file)],
  {
    stdio: 'ignore',
  },
);
ok(`'${name}' is ready: review with \`git diff\`, then commit`);
