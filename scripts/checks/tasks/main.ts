// `make tasks`: runs every automated verification named in docs/tasks/task-*.md (each distinct
// command once, one after another), prints the roadmap with ✓/✗/manual, and rewrites the
// generated block of docs/tasks/task-overview.md with the results and the date. Exits 1 when any
// automated check fails. `ARGS="--only 1.5,2.11"` runs a subset and leaves the overview alone.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot } from '@app/shared/env/node';
import { commandArgs } from '../../lib/args.ts';
import { bold, die, dim, fail, green, ok, red, step, yellow } from '../../lib/output.ts';
import { parseOverview, renderBlock, runInfoLine, runningLine } from './overview.ts';
import { runCommand } from './run-command.ts';
import { checkCommand, loadTasks, OVERVIEW_FILE, type Status, taskStatus } from './task-files.ts';

const LOG_FILE = 'test-results/tasks/make-tasks.log';

const root =
  findRepoRoot() ?? die('no pnpm-workspace.yaml above this folder: run it from the repository');
const { values: args } = commandArgs({
  usage: 'make tasks [ARGS="--only 1.5,2.11 --timeout 600"]',
  summary:
    "Run every task's verification commands (docs/tasks), print ✓/✗/manual, update the overview.",
  options: {
    only: { type: 'string', placeholder: 'IDS', description: 'comma-separated task ids to run' },
    timeout: { type: 'number', min: 1, default: 600, description: 'seconds allowed per command' },
  },
});
const only = args.only
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const options = { only: only ? new Set(only) : undefined, timeoutSeconds: args.timeout };

const { tasks, problems } = loadTasks(root);
for (const task of tasks) problems.push(...task.commands.flatMap((c) => checkCommand(root, c)));
if (problems.length > 0) {
  for (const problem of problems) fail(problem);
  die(
    `${problems.length} problem(s) in ${path.dirname(OVERVIEW_FILE)}/: fix the front matter first`,
  );
}
const selected = options.only ? tasks.filter((t) => options.only?.has(t.id)) : tasks;
if (options.only && selected.length !== options.only.size) {
  die(
    `--only: no task with id ${[...options.only].filter((id) => !tasks.some((t) => t.id === id)).join(', ')}`,
  );
}

const commands = [...new Set(selected.flatMap((t) => t.commands))];
mkdirSync(path.join(root, path.dirname(LOG_FILE)), { recursive: true });
writeFileSync(path.join(root, LOG_FILE), `make tasks, ${new Date().toISOString()}\n`);
step(
  `${commands.length} distinct command(s) for ${selected.length} task(s); output in ${LOG_FILE}`,
);

// Before running anything, the overview lists the current tasks as "not run": the tests among the
// commands check it against the task files, and an interrupted run leaves no stale claims.
const overviewFile = path.join(root, OVERVIEW_FILE);
const commit = commitDescription(root);
if (!options.only) writeOverview(new Map(), runningLine(new Date(), commit));

const started = performance.now();
const results = new Map<string, boolean>();
for (const [index, command] of commands.entries()) {
  console.log(dim(`  [${index + 1}/${commands.length}] ${command} …`));
  const result = await runCommand(command, {
    cwd: root,
    logFile: path.join(root, LOG_FILE),
    timeoutMs: options.timeoutSeconds * 1000,
  });
  results.set(command, result.passed);
  const mark = result.passed ? green('✓') : red('✗');
  console.log(
    `  ${mark} ${command} ${dim(`(${result.seconds.toFixed(1)} s${result.passed ? '' : `, ${result.detail}`})`)}`,
  );
}
const seconds = (performance.now() - started) / 1000;

const statuses = new Map<string, Status>(selected.map((t) => [t.id, taskStatus(t, results)]));
console.log('');
for (const phase of [1, 2] as const) {
  console.log(bold(phase === 1 ? 'Phase 1: local development' : 'Phase 2: production deployment'));
  for (const task of selected.filter((t) => t.phase === phase)) {
    const status = statuses.get(task.id) ?? 'manual';
    const paint = status.startsWith('✓') ? green : status.startsWith('✗') ? red : yellow;
    console.log(`  ${task.id.padEnd(5)} ${paint(status.padEnd(10))} ${task.title}`);
  }
}

const failed = commands.filter((c) => results.get(c) === false);
if (options.only) {
  console.log(dim(`\n--only: ${OVERVIEW_FILE} left as it was (it records full runs only)`));
} else {
  writeOverview(statuses, runInfoLine(new Date(), commit, seconds));
  console.log(dim(`\nwrote the status column of ${OVERVIEW_FILE}`));
}

const manual = selected.filter((t) => t.hasManualPart).length;
if (failed.length > 0) {
  fail(
    `${failed.length} of ${commands.length} automated check(s) failed: ${failed.join('; ')}`,
    `their output is in ${LOG_FILE}`,
  );
  process.exit(1);
}
ok(
  `${commands.length} automated check(s) passed in ${Math.round(seconds)} s; ${manual} task(s) have a manual checklist`,
);

function writeOverview(statuses: Map<string, Status>, checked: string) {
  const overview = parseOverview(readFileSync(overviewFile, 'utf8'));
  if ('error' in overview) die(`${OVERVIEW_FILE}: ${overview.error}`);
  const block = renderBlock(tasks, statuses, checked);
  writeFileSync(overviewFile, `${overview.before}${block}${overview.after}`);
}

/** The commit the checks ran on, flagged when tracked files differed from it. */
function commitDescription(cwd: string): string {
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd, encoding: 'utf8' }).stdout.trim();
  const sha = git('rev-parse', '--short=12', 'HEAD') || 'unknown';
  const dirty = git(
    'status',
    '--porcelain',
    '--untracked-files=no',
    '--',
    '.',
    `:!${OVERVIEW_FILE}`,
  );
  return dirty ? `${sha} (with uncommitted changes)` : sha;
}
