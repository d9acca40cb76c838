import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  classifySource,
  demoPlan,
  HISTORY,
  repositoryFiles,
  stripDemo,
} from '../../lib/template-demo.ts';

/**
 * What keeps the demo removable (decision 0095): the demo is whatever the marker rule finds, and
 * a file outside the rule must not depend on it. Derived from the demo itself, no list: a file the
 * rule leaves behind may not import a demo module, name a demo job, or query a demo table.
 */
export function demoViolations(root: string): string[] {
  const plan = demoPlan(root);
  const demoFiles = new Set(plan.files);
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  const jobs = new Set<string>();
  const tables = new Set<string>();
  for (const file of plan.files) {
    if (file.includes('/jobs/definitions/')) {
      for (const match of read(file).matchAll(/name: '([\w.-]+)'/g)) jobs.add(match[1] as string);
    }
  }
  for (const { file, blocks } of plan.blocks) {
    const lines = read(file).split('\n');
    for (const [from, to] of blocks) {
      const text = lines.slice(from, to + 1).join('\n');
      for (const match of text.matchAll(/pg(?:Table|Enum)\(\s*'(\w+)'/g))
        tables.add(match[1] as string);
    }
  }
  const exportsOf = packageExports(root);
  const violations = [...plan.problems];
  for (const file of repositoryFiles(root)) {
    if (demoFiles.has(file) || HISTORY.some((pattern) => pattern.test(file))) continue;
    if (!/\.(ts|tsx|mts|mjs)$/.test(file)) continue;
    const found = classifySource(read(file));
    const source = stripDemo(read(file), found.blocks);
    for (const specifier of importSpecifiers(source)) {
      const target = resolveImport(root, file, specifier, exportsOf);
      if (target && demoFiles.has(target)) {
        violations.push(
          `${file}: imports the demo file ${target} (mark it demo or block the import)`,
        );
      }
    }
    for (const job of jobs) {
      if (source.includes(`'${job}'`)) violations.push(`${file}: names the demo job '${job}'`);
    }
    for (const table of tables) {
      const query = new RegExp(
        String.raw`\b(from|into|update|join|truncate|table)\s+"?${table}\b`,
        'i',
      );
      if (query.test(source)) violations.push(`${file}: queries the demo table ${table}`);
    }
  }
  return violations;
}

function importSpecifiers(source: string): string[] {
  const found = source.matchAll(/(?:from\s+|import\(\s*|^import\s+)'([^']+)'/gm);
  return [...found].map((match) => match[1] as string);
}

type Exports = Map<string, string>;

/** `@app/<pkg>/<sub>` → repository path, from each workspace package's `exports`. */
function packageExports(root: string): Exports {
  const map: Exports = new Map();
  for (const dir of ['apps/shared', 'apps/web', 'apps/worker', 'db', 'scripts']) {
    const file = path.join(root, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
      name: string;
      exports?: Record<string, string>;
    };
    for (const [sub, target] of Object.entries(pkg.exports ?? {})) {
      map.set(path.posix.join(pkg.name, sub), path.posix.normalize(path.posix.join(dir, target)));
    }
  }
  return map;
}

function resolveImport(
  root: string,
  from: string,
  specifier: string,
  exportsOf: Exports,
): string | undefined {
  if (exportsOf.has(specifier)) return exportsOf.get(specifier);
  let base: string | undefined;
  if (specifier.startsWith('.')) base = path.posix.join(path.posix.dirname(from), specifier);
  else if (specifier.startsWith('@/')) base = `apps/web/src/${specifier.slice(2)}`;
  if (!base) return undefined;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) {
    if (
      existsSync(path.join(root, candidate)) &&
      !candidate.endsWith('/') &&
      /\.\w+$/.test(candidate)
    ) {
      return path.posix.normalize(candidate);
    }
  }
  return undefined;
}
