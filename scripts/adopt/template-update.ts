// `make template-update`: takes the template's changes since the commit template.json records and
// merges them into this repository, file by file, with `git merge-file` (docs/adopting.md §3,
// decision 0086). The template's old and new versions are renamed as `make init` renamed this
// repository first, so only real differences meet in the merge. Over 250 lines on purpose: one
// command read top to bottom (fetch, judge each file, write, record); its pure decisions are
// update-plan.ts.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandArgs } from '../lib/args.ts';
import { bold, die, dim, ok, red, step, warn, yellow } from '../lib/output.ts';
import type { TemplateRecord } from './rename.ts';
import { validateName } from './rename.ts';
import { type Content, decide, hasConflictMarkers, isBinary, renamed } from './update-plan.ts';

const { values } = commandArgs({
  usage: 'make template-update [ARGS="--dry-run --upstream URL --ref BRANCH"]',
  summary: "Merge the template's changes since template.json's commit into this repository.",
  options: {
    'dry-run': { type: 'boolean', description: 'list what would change, write nothing' },
    upstream: {
      type: 'string',
      description: "the template's git URL (default: template.json's upstream)",
      placeholder: 'URL',
    },
    ref: {
      type: 'string',
      description: 'the branch or tag of the template to take',
      default: 'HEAD',
      placeholder: 'REF',
    },
    base: {
      type: 'string',
      description: "the template commit this repository last matched (default: template.json's)",
      placeholder: 'COMMIT',
    },
    name: {
      type: 'string',
      description: "the product name make init renamed to (default: template.json's)",
      placeholder: 'NAME',
    },
    force: { type: 'boolean', description: 'run on a tree with uncommitted changes' },
    continue: {
      type: 'boolean',
      description: 'after resolving the conflicts: record the new template commit',
    },
  },
});

type Git = { status: number; stdout: Buffer; stderr: string };
function git(...args: string[]): Git {
  const result = spawnSync('git', args, { maxBuffer: 256 * 1024 * 1024 });
  return {
    status: result.status ?? 1,
    stdout: result.stdout ?? Buffer.alloc(0),
    stderr: result.stderr?.toString('utf8').trim() ?? '',
  };
}
const gitText = (...args: string[]) =>
  git(...args)
    .stdout.toString('utf8')
    .trim();
const short = (sha: string) => sha.slice(0, 12);

const top = git('rev-parse', '--show-toplevel');
if (top.status !== 0)
  die('not inside a git repository', "run make template-update in your product's repository");
process.chdir(top.stdout.toString('utf8').trim());

// A conflicted update leaves this behind for `--continue`; it lives in .git, never in the tree.
const statePath = gitText('rev-parse', '--git-path', 'template-update.json');
type Pending = { commit: string; upstream: string; conflicts: string[] };

function readRecord(): TemplateRecord | undefined {
  if (!existsSync('template.json')) return undefined;
  try {
    return JSON.parse(readFileSync('template.json', 'utf8')) as TemplateRecord;
  } catch {
    return die(
      'template.json is not valid JSON',
      'fix it by hand (git diff template.json shows what changed)',
    );
  }
}

function record(commit: string) {
  const current = readRecord();
  if (!current) {
    ok(
      `now at template commit ${short(commit)} (no template.json: pass ARGS="--base ${commit}" next time)`,
    );
    return;
  }
  const next: TemplateRecord = { ...current, commit, date: new Date().toISOString() };
  writeFileSync('template.json', `${JSON.stringify(next, null, 2)}\n`);
  ok(`template.json now records template commit ${short(commit)}`);
}

if (values.continue) {
  if (!existsSync(statePath))
    die(
      'no template update is waiting for its conflicts',
      'run `make template-update` to start one',
    );
  const pending = JSON.parse(readFileSync(statePath, 'utf8')) as Pending;
  const left = pending.conflicts.filter(
    (file) =>
      existsSync(file) &&
      lstatSync(file).isFile() &&
      hasConflictMarkers(readFileSync(file, 'utf8')),
  );
  if (left.length > 0)
    die(
      `still conflict markers in ${left.join(', ')}`,
      'keep the lines you want, delete the <<<<<<< ======= >>>>>>> lines, then run ARGS=--continue again',
    );
  record(pending.commit);
  rmSync(statePath);
  ok('template update done: review with `git diff`, then commit');
  process.exit(0);
}

const current = readRecord();
const upstream = values.upstream ?? current?.upstream;
const base = values.base ?? current?.commit;
if (!current && (!upstream || !base))
  die(
    'no template.json here: it records which template commit this repository came from',
    'run `make init NAME=…` first, or pass ARGS="--upstream URL --base COMMIT"',
  );
if (!upstream)
  die('template.json has no upstream URL', 'pass ARGS="--upstream URL" (the template\'s git URL)');
if (!base)
  die(
    'template.json has no commit',
    'pass ARGS="--base COMMIT" (the template commit you last matched)',
  );
const name = values.name ?? current?.name;
if (name !== undefined && validateName(name))
  die(
    `'${name}' is not a product name make init could have given`,
    'fix "name" in template.json or pass ARGS="--name NAME"',
  );

if (existsSync(statePath))
  die(
    'an earlier template update is waiting for its conflicts',
    `resolve them, then run ARGS=--continue (or delete ${statePath} to start over)`,
  );
if (!values.force && git('status', '--porcelain').stdout.length > 0)
  die(
    'the working tree has uncommitted changes',
    'commit or stash them first (so the update is one reviewable diff), or add ARGS=--force',
  );

// The template's history goes into a ref of its own, deleted on the way out: no remote is added,
// no branch of yours moves, and only the URL given is contacted.
const REF = 'refs/template-update/upstream';
const scratch = mkdtempSync(path.join(tmpdir(), 'template-update-'));
process.on('exit', () => {
  git('update-ref', '-d', REF);
  rmSync(scratch, { recursive: true, force: true });
});

step(`fetching ${values.ref} from ${upstream}`);
const fetched = git('fetch', '--quiet', '--no-tags', upstream, `+${values.ref}:${REF}`);
if (fetched.status !== 0)
  die(
    `could not fetch ${values.ref} from ${upstream}: ${(fetched.stderr.split('\n')[0] ?? '').replace(/^fatal: /, '')}`,
    'check the URL (ARGS="--upstream URL") and the branch (ARGS="--ref BRANCH"), then retry',
  );
const tip = gitText('rev-parse', `${REF}^{commit}`);
const baseCommit = git('rev-parse', '--verify', '--quiet', `${base}^{commit}`);
if (baseCommit.status !== 0)
  die(
    `template commit ${base} is not in ${upstream}'s history`,
    'pass ARGS="--base COMMIT" with the template commit this repository last matched',
  );
const from = baseCommit.stdout.toString('utf8').trim();
if (from === tip) {
  ok(`already up to date with ${upstream} (${short(tip)})`);
  process.exit(0);
}
if (git('merge-base', '--is-ancestor', from, tip).status !== 0)
  warn(
    `${short(from)} is not an ancestor of ${short(tip)}: the change is computed between the two trees anyway`,
  );

// One line per changed path: ":oldmode newmode oldblob newblob status\0path\0". Renames are off: a
// moved file is a deletion and an addition, each judged on its own.
type Changed = { file: string; oldMode: string; newMode: string; oldBlob: string; newBlob: string };
const raw = git('diff', '--raw', '-z', '--no-renames', '--no-abbrev', from, tip);
if (raw.status !== 0) die(`git diff ${short(from)} ${short(tip)} failed: ${raw.stderr}`);
const fields = raw.stdout.toString('utf8').split('\0');
const changed: Changed[] = [];
for (let i = 0; i + 1 < fields.length; i += 2) {
  const [oldMode = '', newMode = '', oldBlob = '', newBlob = ''] = (fields[i] ?? '')
    .slice(1)
    .split(' ');
  const file = fields[i + 1] ?? '';
  // template.json is the adopter's own record; the template has none of its own.
  if (file !== 'template.json') changed.push({ file, oldMode, newMode, oldBlob, newBlob });
}

const NONE = /^0+$/;
const blob = (sha: string): Content =>
  NONE.test(sha) ? undefined : git('cat-file', 'blob', sha).stdout;
const regular = (mode: string) => mode === '100644' || mode === '100755' || NONE.test(mode);

type Outcome = {
  file: string;
  action: 'updated' | 'merged' | 'added' | 'deleted' | 'skipped' | 'conflict';
  note?: string;
  /** What to write (null: delete the file); absent: leave it. */
  write?: Buffer | null;
  executable?: boolean;
  markers?: boolean;
};

function mergeFile(
  file: string,
  ours: Buffer,
  base: Buffer,
  theirs: Buffer,
): { text: Buffer; conflicts: number } {
  const dir = mkdtempSync(path.join(scratch, 'merge-'));
  const [o, b, t] = ['ours', 'base', 'theirs'].map((n) => path.join(dir, n)) as [
    string,
    string,
    string,
  ];
  writeFileSync(o, ours);
  writeFileSync(b, base);
  writeFileSync(t, theirs);
  const result = git(
    'merge-file',
    '-p',
    '-L',
    'yours',
    '-L',
    `template ${short(from)}`,
    '-L',
    `template ${short(tip)}`,
    o,
    b,
    t,
  );
  // merge-file exits with the number of conflicts, or a negative number (255) when it cannot merge.
  if (result.status > 127)
    die(`git merge-file could not merge ${file}: ${result.stderr}`, 'merge it by hand');
  return { text: result.stdout, conflicts: result.status };
}

// make init ran `biome check --write` on every file it renamed (a longer scope moves imports and
// wraps lines), so the template's versions go through the same Biome, when this repository has it.
const biome = path.resolve('node_modules/.bin/biome');
function asInitLeftIt(file: string, content: Buffer): Buffer {
  const text = renamed(name, file, content);
  if (text.equals(content) || !existsSync(biome)) return text;
  const result = spawnSync(biome, ['check', '--write', `--stdin-file-path=${file}`], {
    input: text,
    maxBuffer: 64 * 1024 * 1024,
  });
  // A file Biome does not handle (Markdown, YAML) comes back unchanged, or not at all.
  return result.status === 0 && result.stdout.length > 0 ? result.stdout : text;
}

function statOf(file: string) {
  try {
    return lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined; // a parent is a file now (ENOTDIR): no such file here
  }
}

function judge(change: Changed): Outcome {
  const { file } = change;
  if (!regular(change.oldMode) || !regular(change.newMode))
    return {
      file,
      action: 'skipped',
      note: 'not a regular file in the template (symlink or submodule): apply by hand',
    };
  const stat = statOf(file);
  if (stat && !stat.isFile())
    return {
      file,
      action: 'conflict',
      note: 'not a regular file here: compare with the template by hand',
    };
  const ours = stat ? readFileSync(file) : undefined;
  const oldText = blob(change.oldBlob);
  const newText = blob(change.newBlob);
  const base = oldText && asInitLeftIt(file, oldText);
  const theirs = newText && asInitLeftIt(file, newText);
  const executable = change.newMode === '100755';
  const decision = decide(base, theirs, ours);
  switch (decision.kind) {
    case 'same':
      return { file, action: 'skipped', note: 'already as the template has it' };
    case 'update':
      return { file, action: 'updated', write: theirs ?? null, executable };
    case 'add':
      return { file, action: 'added', write: theirs ?? null, executable };
    case 'delete':
      return { file, action: 'deleted', write: null };
    case 'skip-deleted':
      return { file, action: 'skipped', note: 'you deleted it: it stays deleted' };
    case 'keep-changed':
      return {
        file,
        action: 'conflict',
        note: 'you changed it, the template deleted it: kept, delete it if you agree',
      };
    case 'merge': {
      const theirsText = theirs ?? Buffer.alloc(0);
      const baseText = base ?? Buffer.alloc(0);
      if (!ours) return { file, action: 'added', write: theirsText, executable };
      if (isBinary(ours) || isBinary(baseText) || isBinary(theirsText))
        return {
          file,
          action: 'conflict',
          note: `binary, changed on both sides: yours kept (the template's: git show ${short(tip)}:${file})`,
        };
      const merged = mergeFile(file, ours, baseText, theirsText);
      if (merged.conflicts === 0) return { file, action: 'merged', write: merged.text };
      const what = base
        ? 'both sides changed the same lines'
        : 'the template added it, you have a different one';
      return {
        file,
        action: 'conflict',
        note: `${what}: ${merged.conflicts} conflicting hunk(s)`,
        write: merged.text,
        markers: true,
      };
    }
  }
}

const outcomes = changed.map(judge);
const dry = values['dry-run'];
const label = (action: Outcome['action']) => {
  const text = (
    dry && action !== 'skipped' && action !== 'conflict' ? `would be ${action}` : action
  ).padEnd(18);
  return action === 'conflict' ? red(text) : action === 'skipped' ? dim(text) : text;
};
console.log(
  `${bold('Template changes')} ${short(from)}..${short(tip)} (${changed.length} file(s)):`,
);
for (const o of outcomes)
  console.log(`  ${label(o.action)}${o.file}${o.note ? dim(`  (${o.note})`) : ''}`);
const conflicts = outcomes.filter((o) => o.action === 'conflict');
const writes = outcomes.filter((o) => o.write !== undefined);

if (dry) {
  const summary =
    conflicts.length > 0 ? `, ${conflicts.length} conflict(s) to resolve` : ', no conflicts';
  ok(`dry run: nothing written (${writes.length} file(s) would change${summary})`);
  process.exit(0);
}

for (const o of writes) {
  if (o.write === null) {
    unlinkSync(o.file);
    continue;
  }
  if (o.write === undefined) continue;
  mkdirSync(path.dirname(o.file), { recursive: true });
  writeFileSync(o.file, o.write);
  if (o.executable) chmodSync(o.file, 0o755);
}
const manifests = writes.some((o) => /(^|\/)package\.json$|^pnpm-lock\.yaml$/.test(o.file));
const install = manifests ? ' then `make setup` (manifests changed),' : '';

if (conflicts.length > 0) {
  const pending: Pending = {
    commit: tip,
    upstream,
    conflicts: conflicts.filter((o) => o.markers).map((o) => o.file),
  };
  writeFileSync(statePath, `${JSON.stringify(pending, null, 2)}\n`);
  console.error(`${yellow('!')} ${conflicts.length} conflict(s), template.json unchanged:`);
  for (const o of conflicts) console.error(`    ${o.file}`);
  die(
    `template update ${short(from)}..${short(tip)} needs you`,
    `resolve the files above,${install} then \`make template-update ARGS=--continue\` records the new commit`,
  );
}
record(tip);
ok(`applied ${writes.length} file(s): review with \`git diff\`,${install} then commit`);
