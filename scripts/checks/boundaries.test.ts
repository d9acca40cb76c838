import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The package boundaries of docs/architecture.md, checked on every import statement of the repo's
// own TypeScript: the web never reaches into the worker (they share `@app/shared`), the test kits
// stay out of shipped code, and `@app/shared/contracts` runs nothing (types only from BullMQ,
// ioredis or pino), so whatever imports it cannot pull a runtime in by accident.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const skip = new Set(['node_modules', '.next', 'dist', '.make', 'test-results']);

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : sources(rel);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

type Import = { file: string; specifier: string; typeOnly: boolean };

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const found: Import[] = [];
  const pattern =
    /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[3] ?? match[4];
    if (specifier) found.push({ file, specifier, typeOnly: Boolean(match[2]) });
  }
  return found;
}

/** Test code: tests, browser tests, test kits and harnesses, and the benchmarks built on them. */
const isTestCode = (file: string) =>
  /\.(test|int\.test|docker\.test|spec)\.tsx?$/.test(file) ||
  /(^|\/)(e2e|testing)\//.test(file) ||
  /(^|\/)testing\.ts$/.test(file) ||
  file.startsWith('scripts/bench/') ||
  // make check-rollback smoke-tests the previous release with the test kits, as a benchmark does.
  file.startsWith('scripts/checks/rollback/') ||
  file === 'scripts/migrate-from-impl2/bench.ts' ||
  file.endsWith('global-setup.ts');

const all = ['apps', 'db', 'scripts'].flatMap(sources);
const resolved = (from: string, specifier: string) =>
  specifier.startsWith('.') ? path.normalize(path.join(path.dirname(from), specifier)) : specifier;

describe('package boundaries', () => {
  it('finds the sources it checks', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all).toContain('apps/web/src/server/examples.server.ts');
  });

  it('the web app imports nothing of the worker outside its tests', () => {
    const offending = all
      .filter((file) => file.startsWith('apps/web/') && !isTestCode(file))
      .flatMap(importsOf)
      .filter(
        ({ file, specifier }) =>
          specifier.startsWith('@app/worker') ||
          resolved(file, specifier).startsWith('apps/worker/'),
      )
      .map(({ file, specifier }) => `${file}: ${specifier}`);
    expect(offending).toEqual([]);
  });

  it('shipped code never imports a test kit', () => {
    const offending = all
      .filter((file) => !isTestCode(file))
      .flatMap(importsOf)
      .filter(
        ({ file, specifier }) =>
          /^@app\/[^/]+\/testing(\/|$)/.test(specifier) ||
          /(^|\/)testing(\/|\.ts$|$)/.test(resolved(file, specifier)),
      )
      .map(({ file, specifier }) => `${file}: ${specifier}`);
    expect(offending).toEqual([]);
  });

  it('@app/shared/contracts reaches only zod and its own files at run time', () => {
    const seen = new Set<string>();
    const outside: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const { specifier, typeOnly } of importsOf(file)) {
        if (specifier.startsWith('.')) visit(resolved(file, specifier));
        else if (!typeOnly && specifier !== 'zod') outside.push(`${file}: ${specifier}`);
      }
    };
    visit('apps/shared/src/contracts.ts');
    expect(seen.size).toBeGreaterThan(3);
    expect(outside).toEqual([]);
  });
});
