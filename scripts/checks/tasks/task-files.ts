import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { makeTargets } from '../devcontainer/check.ts';

/**
 * The task files in docs/tasks are the source of truth for the roadmap: their front matter says
 * what each task is and which commands prove it. `make tasks` runs those commands and writes the
 * results into the overview; the consistency test (tasks.test.ts) keeps the two in step.
 */

export const TASKS_DIR = 'docs/tasks';
export const OVERVIEW_FILE = 'docs/tasks/task-overview.md';

const taskId = z
  .string()
  .regex(/^[12]\.(?:[1-9]|1[0-9])$/, 'expected "<phase>.<number>", e.g. "1.4"');

export const frontMatterSchema = z.strictObject({
  // Quoted in the YAML: an unquoted 1.10 would parse as the number 1.1.
  id: taskId,
  title: z.string().min(5).max(80),
  phase: z.union([z.literal(1), z.literal(2)]),
  // Commands whose exit status proves the task, or `manual` when only a person with the cloud
  // account can check it.
  verify: z.union([z.literal('manual'), z.array(z.string().min(1)).min(1)]),
  // True when the task also has a checklist a person must tick (e.g. a real Coolify), beside the
  // automated commands.
  manual: z.boolean().default(false),
});
export type FrontMatter = z.output<typeof frontMatterSchema>;

export type Task = FrontMatter & {
  file: string;
  body: string;
  commands: string[];
  hasManualPart: boolean;
};

export type Loaded = { tasks: Task[]; problems: string[] };

const FRONT_MATTER = /^---\n([\s\S]*?)\n---\n/;

export function parseTaskFile(file: string, text: string): { task?: Task; problems: string[] } {
  const name = path.basename(file);
  const match = FRONT_MATTER.exec(text);
  if (!match?.[1]) return { problems: [`${name}: no front matter (--- … ---) at the top`] };
  let raw: unknown;
  try {
    raw = parseYaml(match[1]);
  } catch (error) {
    return { problems: [`${name}: front matter is not YAML: ${(error as Error).message}`] };
  }
  const parsed = frontMatterSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map(
        (issue) => `${name}: ${issue.path.join('.') || 'front matter'}: ${issue.message}`,
      ),
    };
  }
  const data = parsed.data;
  const commands = data.verify === 'manual' ? [] : data.verify;
  const task: Task = {
    ...data,
    file: name,
    body: text.slice(match[0].length),
    commands,
    hasManualPart: data.verify === 'manual' || data.manual,
  };
  const problems: string[] = [];
  if (name !== `task-${data.id}.md`)
    problems.push(`${name}: id ${data.id} needs the file name task-${data.id}.md`);
  if (!data.id.startsWith(`${data.phase}.`))
    problems.push(`${name}: id ${data.id} is not in phase ${data.phase}`);
  if (data.verify === 'manual' && data.manual) {
    problems.push(
      `${name}: "manual: true" is for tasks that also have commands; verify is already manual`,
    );
  }
  return { task, problems };
}

/** Reads every docs/tasks/task-X.Y.md under `root`, sorted by id. */
export function loadTasks(root: string): Loaded {
  const dir = path.join(root, TASKS_DIR);
  const files = readdirSync(dir).filter((f) => /^task-\d.*\.md$/.test(f));
  const tasks: Task[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const result = parseTaskFile(file, readFileSync(path.join(dir, file), 'utf8'));
    problems.push(...result.problems);
    if (result.task) tasks.push(result.task);
  }
  tasks.sort(compareIds);
  return { tasks, problems };
}

export function compareIds(a: { id: string }, b: { id: string }): number {
  const [ap = 0, an = 0] = a.id.split('.').map(Number);
  const [bp = 0, bn = 0] = b.id.split('.').map(Number);
  return ap - bp || an - bn;
}

/**
 * A verify command is either `make <target>…` or `pnpm exec vitest run <test file or folder>…`.
 * Nothing else: the runner executes it without a shell, and the test can prove every name in it
 * exists. Returns what is wrong, or nothing.
 */
export function checkCommand(root: string, command: string): string[] {
  const words = command.trim().split(/\s+/);
  if (words[0] === 'make') {
    const targets = makeTargets(path.join(root, 'Makefile'));
    const names = words.slice(1).filter((w) => !w.includes('='));
    if (names.length === 0) return [`"${command}": names no make target`];
    if (names.some((n) => n.startsWith('-')))
      return [`"${command}": no make options, only targets`];
    return names
      .filter((n) => !targets.has(n))
      .map((n) => `"${command}": ${n} is not a target in the Makefile`);
  }
  if (words.slice(0, 4).join(' ') === 'pnpm exec vitest run') {
    const paths = words.slice(4);
    if (paths.length === 0)
      return [`"${command}": names no test file (the whole suite is make test)`];
    return paths.flatMap((p) => {
      if (p.startsWith('-')) return [`"${command}": no vitest options, only test files or folders`];
      const full = path.join(root, p);
      if (!existsSync(full)) return [`"${command}": ${p} does not exist`];
      if (statSync(full).isFile() && !/\.test\.tsx?$/.test(p))
        return [`"${command}": ${p} is not a test file`];
      return [];
    });
  }
  return [`"${command}": expected "make <target>" or "pnpm exec vitest run <test file>"`];
}

/** The status a task shows after its commands ran (`results`: command → passed). */
export type Status = '✓' | '✗' | 'manual' | '✓ + manual' | '✗ + manual';

export function taskStatus(task: Task, results: Map<string, boolean>): Status {
  if (task.commands.length === 0) return 'manual';
  const passed = task.commands.every((c) => results.get(c) === true);
  const mark = passed ? '✓' : '✗';
  return task.hasManualPart ? `${mark} + manual` : mark;
}
