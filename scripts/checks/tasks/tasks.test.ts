import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoPlan } from '../../lib/template-demo.ts';
import { parseOverview, renderBlock, statusFits } from './overview.ts';
import {
  checkCommand,
  loadTasks,
  OVERVIEW_FILE,
  parseTaskFile,
  type Task,
  taskStatus,
} from './task-files.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const { tasks, problems } = loadTasks(root);
/** The demo's task (its file is marked template-demo): gone once `make remove-demo` ran. */
const DEMO_TASK = '1.9';
const demoPresent = demoPlan(root).files.length > 0;
const expectedIds = [
  ...Array.from({ length: 15 }, (_, i) => `1.${i + 1}`),
  ...Array.from({ length: 18 }, (_, i) => `2.${i + 1}`),
].filter((id) => demoPresent || id !== DEMO_TASK);

describe('docs/tasks: task files', () => {
  it('parse, with file names matching their ids', () => {
    expect(problems).toEqual([]);
  });

  it('are exactly 1.1–1.15 (local development) and 2.1–2.18 (production)', () => {
    expect(tasks.map((t) => t.id)).toEqual(expectedIds);
    const others = readdirSync(path.join(root, 'docs/tasks')).filter(
      (f) => f !== path.basename(OVERVIEW_FILE) && !/^task-\d\.\d+\.md$/.test(f),
    );
    expect(others, 'docs/tasks holds only task-X.Y.md and the overview').toEqual([]);
  });

  it.each(tasks.map((t) => [t.id, t] as const))(
    '%s names only real make targets and test files',
    (_, task) => {
      expect(task.commands.flatMap((c) => checkCommand(root, c))).toEqual([]);
    },
  );

  it.each(tasks.map((t) => [t.id, t] as const))(
    '%s has its title, goal, steps, criteria and verification',
    (_, task) => {
      expect(task.body).toContain(`# Task ${task.id}: ${task.title}\n`);
      for (const heading of ['Goal', 'Steps', 'Acceptance criteria', 'Verification']) {
        expect(task.body).toMatch(new RegExp(`^## ${heading}$`, 'm'));
      }
      for (const command of task.commands) expect(task.body).toContain(`\`${command}\``);
      const checklist = /^## Manual checklist\n\n- \[ \] /m.test(task.body);
      expect(
        checklist,
        'a manual part needs a "## Manual checklist" with "- [ ]" items, and only then',
      ).toBe(task.hasManualPart);
    },
  );
});

describe('docs/tasks/task-overview.md', () => {
  const overview = parseOverview(readFileSync(path.join(root, OVERVIEW_FILE), 'utf8'));

  it('holds exactly the block make tasks renders from the task files (ids, titles, links, commands)', () => {
    if ('error' in overview) throw new Error(overview.error);
    expect(overview.block, 'the task files changed since the last `make tasks`: run it').toBe(
      renderBlock(tasks, overview.statuses, overview.checked),
    );
  });

  it('shows a status for every task that its verification can produce, and when it was checked', () => {
    if ('error' in overview) throw new Error(overview.error);
    // "Being checked" while make tasks itself runs this test.
    expect(overview.checked).toMatch(
      /^(?:Last checked by `make tasks`: |Being checked by `make tasks` since )\d{4}-\d\d-\d\d \d\d:\d\d UTC, commit [0-9a-f]{12}/,
    );
    const unfit = tasks.filter((t) => !statusFits(t, overview.statuses.get(t.id)));
    expect(unfit.map((t) => `${t.id}: ${overview.statuses.get(t.id) ?? 'no status'}`)).toEqual([]);
  });
});

describe('the checks can fail', () => {
  const sample = (frontMatter: string) => `---\n${frontMatter}\n---\n# Task\n`;

  it('rejects an unquoted id (YAML reads 1.10 as 1.1), a wrong file name and an unknown key', () => {
    expect(
      parseTaskFile(
        'task-1.10.md',
        sample('id: 1.10\ntitle: Some task title\nphase: 1\nverify: manual'),
      ).problems,
    ).toEqual(['task-1.10.md: id: Invalid input: expected string, received number']);
    expect(
      parseTaskFile(
        'task-1.2.md',
        sample("id: '1.3'\ntitle: Some task title\nphase: 1\nverify: manual"),
      ).problems,
    ).toEqual(['task-1.2.md: id 1.3 needs the file name task-1.3.md']);
    expect(
      parseTaskFile(
        'task-1.2.md',
        sample("id: '1.2'\ntitle: Some task title\nphase: 1\nverify: manual\nstatus: done"),
      ).problems,
    ).toEqual(['task-1.2.md: front matter: Unrecognized key: "status"']);
  });

  it('rejects commands that name no real target or test file, or are not make/vitest', () => {
    expect(checkCommand(root, 'make lint')).toEqual([]);
    expect(checkCommand(root, 'make lnt')).toEqual([
      '"make lnt": lnt is not a target in the Makefile',
    ]);
    expect(checkCommand(root, 'pnpm exec vitest run db/src/nope.test.ts')).toEqual([
      '"pnpm exec vitest run db/src/nope.test.ts": db/src/nope.test.ts does not exist',
    ]);
    expect(checkCommand(root, 'pnpm exec vitest run')).toHaveLength(1);
    expect(checkCommand(root, 'bash .ci/run')).toHaveLength(1);
  });

  it('notices a title changed in a task file but not in the overview, and a manual task shown as ✓', () => {
    const first = tasks[0] as Task;
    const statuses = new Map(tasks.map((t) => [t.id, '✓']));
    const renamed = [{ ...first, title: `${first.title} (renamed)` }, ...tasks.slice(1)];
    expect(renderBlock(renamed, statuses, 'x')).not.toBe(renderBlock(tasks, statuses, 'x'));
    const manualOnly = tasks.find((t) => t.commands.length === 0) as Task;
    expect(statusFits(manualOnly, '✓')).toBe(false);
    expect(statusFits(manualOnly, 'manual')).toBe(true);
  });

  it('derives ✗ when any command of a task failed', () => {
    const task = tasks.find((t) => t.commands.length > 1 && !t.hasManualPart) as Task;
    const [a = '', b = ''] = task.commands;
    expect(
      taskStatus(
        task,
        new Map([
          [a, true],
          [b, false],
        ]),
      ),
    ).toBe('✗');
    expect(
      taskStatus(
        task,
        new Map([
          [a, true],
          [b, true],
        ]),
      ),
    ).toBe('✓');
  });
});
