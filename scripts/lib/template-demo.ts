import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The one rule that finds the contacts-import demo (decision 0095), used by `make remove-demo`
 * and by the test that keeps it true:
 * - a demo file has `template-demo` in a comment on its first line (`// template-demo`,
 *   `# template-demo`, `<!-- template-demo -->`), or, in a file that opens with YAML front matter
 *   (`---`), as a `# template-demo` comment on the line after it;
 * - inside a shared file, demo lines sit between a `demo:start` and a `demo:end` comment line.
 * Nothing else lists the demo: whatever the rule does not find stays.
 */
const COMMENT = String.raw`(?:\/\/|#|<!--|\/\*|\{\/\*)`;
const FILE_MARKER = new RegExp(String.raw`^\s*${COMMENT}\s*template-demo\b`);
const START = new RegExp(String.raw`^\s*${COMMENT}\s*demo:start\b`);
const END = new RegExp(String.raw`^\s*${COMMENT}\s*demo:end\b`);

/** History that keeps naming the demo after its removal: applied migrations and past decisions. */
export const HISTORY = [/^db\/migrations\//, /^docs\/decisions\//, /^pnpm-lock\.yaml$/];

export type DemoSource = {
  demoFile: boolean;
  /** 0-based inclusive line ranges, marker lines included. */
  blocks: [number, number][];
  problems: string[];
};

export function classifySource(source: string): DemoSource {
  const lines = source.split('\n');
  const first = lines[0] === '---' ? lines[1] : lines[0];
  const demoFile = FILE_MARKER.test(first ?? '');
  const blocks: [number, number][] = [];
  const problems: string[] = [];
  let open: number | undefined;
  lines.forEach((line, index) => {
    if (START.test(line)) {
      if (open !== undefined)
        problems.push(`line ${index + 1}: demo:start inside the block of line ${open + 1}`);
      open = index;
    } else if (END.test(line)) {
      if (open === undefined) problems.push(`line ${index + 1}: demo:end without demo:start`);
      else blocks.push([open, index]);
      open = undefined;
    }
  });
  if (open !== undefined) problems.push(`line ${open + 1}: demo:start without demo:end`);
  return { demoFile, blocks, problems };
}

/** The source without its demo blocks (what remains after `make remove-demo`). */
export function stripDemo(source: string, blocks: [number, number][]): string {
  const lines = source.split('\n');
  const drop = new Set(blocks.flatMap(([from, to]) => range(from, to)));
  return lines.filter((_, index) => !drop.has(index)).join('\n');
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Tracked and new (not ignored) files, relative to root. */
export function repositoryFiles(root: string): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const deleted = new Set(
    execFileSync('git', ['ls-files', '-z', '--deleted'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean),
  );
  return [...new Set(out.split('\0').filter((file) => file && !deleted.has(file)))].sort();
}

const TEXT =
  /\.(ts|tsx|mts|mjs|js|json|md|sql|css|ya?ml|sh|example)$|(^|\/)(Makefile|Dockerfile|\.env\.example)$/;

export type DemoPlan = {
  files: string[];
  blocks: { file: string; blocks: [number, number][] }[];
  problems: string[];
};

/** Everything the rule finds under root. */
export function demoPlan(root: string): DemoPlan {
  const plan: DemoPlan = { files: [], blocks: [], problems: [] };
  for (const file of repositoryFiles(root)) {
    if (!TEXT.test(file) || HISTORY.some((pattern) => pattern.test(file))) continue;
    const source = readFileSync(path.join(root, file), 'utf8');
    const found = classifySource(source);
    plan.problems.push(...found.problems.map((problem) => `${file}: ${problem}`));
    if (found.demoFile) plan.files.push(file);
    else if (found.blocks.length > 0) plan.blocks.push({ file, blocks: found.blocks });
  }
  return plan;
}
