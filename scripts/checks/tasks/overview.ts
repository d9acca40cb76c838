import type { Status, Task } from './task-files.ts';

/**
 * The generated part of docs/tasks/task-overview.md: everything between the two markers is
 * written by `make tasks` from the task files and the results of their commands. The text around
 * the markers is written by hand.
 */

export const BEGIN =
  '<!-- BEGIN make tasks: generated from the task files; edit those, then run make tasks -->';
export const END = '<!-- END make tasks -->';

const STATUSES: readonly Status[] = ['✓', '✗', 'manual', '✓ + manual', '✗ + manual'];
const PHASES = { 1: 'Phase 1: local development', 2: 'Phase 2: production deployment' } as const;

export const NOT_RUN = 'not run';

/** Written while `make tasks` runs; if a run is interrupted it stays, and says so. */
export function runningLine(date: Date, commit: string): string {
  return `Being checked by \`make tasks\` since ${utc(date)}, commit ${commit}: if you read this, the run was interrupted.`;
}

const utc = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function runInfoLine(date: Date, commit: string, seconds: number): string {
  const when = utc(date);
  const took =
    seconds >= 60
      ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
      : `${Math.round(seconds)} s`;
  return `Last checked by \`make tasks\`: ${when}, commit ${commit}, ${took}.`;
}

export function renderBlock(
  tasks: Task[],
  statuses: Map<string, Status | string>,
  checked: string,
): string {
  const count = (test: (status: string) => boolean) =>
    tasks.filter((t) => test(statuses.get(t.id) ?? NOT_RUN)).length;
  const lines = [
    BEGIN,
    '',
    checked,
    `Tasks: **${count((s) => s.startsWith('✓'))} ✓, ${count((s) => s.startsWith('✗'))} ✗, ${count((s) => s === 'manual')} manual only**; ${count((s) => s.endsWith('+ manual'))} of the others also have a manual checklist.`,
  ];
  for (const phase of [1, 2] as const) {
    lines.push(
      '',
      `## ${PHASES[phase]}`,
      '',
      '| Id | Task | Status | Verified by |',
      '| --- | --- | --- | --- |',
    );
    for (const task of tasks.filter((t) => t.phase === phase)) {
      const status = statuses.get(task.id) ?? NOT_RUN;
      lines.push(
        `| ${task.id} | [${task.title}](${task.file}) | ${status} | ${verifiedBy(task)} |`,
      );
    }
  }
  lines.push('', END);
  return lines.join('\n');
}

function verifiedBy(task: Task): string {
  const checklist = `[manual checklist](${task.file}#manual-checklist)`;
  const commands = task.commands.map((c) => `\`${c}\``);
  if (task.hasManualPart)
    commands.push(task.commands.length === 0 ? `manual: ${checklist}` : `+ ${checklist}`);
  return commands.join('<br>');
}

export type ParsedOverview = {
  before: string;
  block: string;
  after: string;
  checked: string;
  statuses: Map<string, string>;
};

/** Splits the overview into the hand-written parts and the generated block, and reads the block. */
export function parseOverview(text: string): ParsedOverview | { error: string } {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return { error: `the overview has no ${BEGIN} … ${END} block` };
  const block = text.slice(start, end + END.length);
  const statuses = new Map<string, string>();
  for (const match of block.matchAll(/^\| (\d\.\d+) \| .*? \| (.*?) \| .* \|$/gm)) {
    if (match[1] && match[2] !== undefined) statuses.set(match[1], match[2]);
  }
  const checked =
    /^(?:Last|Being) checked by .*$/m.exec(block)?.[0] ?? 'Never checked: run make tasks.';
  return {
    before: text.slice(0, start),
    block,
    after: text.slice(end + END.length),
    checked,
    statuses,
  };
}

/** Whether a status in the overview fits what the task can show (a manual task is never ✓). */
export function statusFits(task: Task, status: string | undefined): boolean {
  // `make tasks` writes "not run" before it starts (so the tests it runs see the current task
  // list); it claims nothing, so it fits any task.
  if (status === NOT_RUN) return true;
  if (!status || !(STATUSES as readonly string[]).includes(status)) return false;
  if (task.commands.length === 0) return status === 'manual';
  return status.endsWith('manual') === task.hasManualPart && status !== 'manual';
}
