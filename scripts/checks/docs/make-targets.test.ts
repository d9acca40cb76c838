import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTargets } from '../devcontainer/check.ts';
import { docFiles, makeTargetsInCode, makeTargetsInMarkdown, readDoc } from './markdown.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** The targets `make help` lists: what a user sees, so what the docs may promise. */
function helpTargets(): Set<string> {
  const result = spawnSync('make', ['--no-print-directory', 'help'], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  const plain = stripVTControlCharacters(result.stdout);
  return new Set([...plain.matchAll(/^ {2}([A-Za-z0-9][\w.-]*)\s/gm)].map((m) => m[1] ?? ''));
}

describe('make targets in the docs', () => {
  const listed = helpTargets();

  it('make help lists every target of the Makefile (each has a ## description)', () => {
    const defined = [...makeTargets(path.join(root, 'Makefile'))];
    expect(defined.length).toBeGreaterThan(20);
    expect(defined.filter((t) => !listed.has(t))).toEqual([]);
  });

  // Decisions are history: one may name a target a later change removed (make remove-demo's).
  const current = docFiles(root).filter((file) => !file.startsWith('docs/decisions/'));
  it.each(current)('%s mentions only targets make help lists', (file) => {
    const missing = makeTargetsInMarkdown(readDoc(root, file)).filter((t) => !listed.has(t));
    expect(
      missing,
      `${file} mentions make ${missing.join(', ')}, which make help does not list`,
    ).toEqual([]);
  });

  it('README.md and CLAUDE.md mention the everyday targets', () => {
    const mentioned = new Set(
      ['README.md', 'CLAUDE.md'].flatMap((f) => makeTargetsInMarkdown(readDoc(root, f))),
    );
    for (const target of ['up', 'test', 'check', 'doctor', 'tasks', 'bench-setup'])
      expect(mentioned).toContain(target);
  });
});

describe('makeTargetsInCode', () => {
  it('takes the targets after make, skipping options, variables, quotes, comments and placeholders', () => {
    expect(makeTargetsInCode('make up     # .env, dependencies, services')).toEqual(['up']);
    expect(makeTargetsInCode('make -s lint typecheck NAME=x && make test')).toEqual([
      'lint',
      'typecheck',
      'test',
    ]);
    expect(makeTargetsInCode('make migrate-from-impl2 ARGS="--vm impl2-dev"')).toEqual([
      'migrate-from-impl2',
    ]);
    expect(makeTargetsInCode('DEPLOY_SHA=<commit> make deploy')).toEqual(['deploy']);
    expect(makeTargetsInCode('make <target>; pnpm exec make-believe')).toEqual([]);
    expect(makeTargetsInCode('scripts   make up / doctor / psql helpers')).toEqual(['up']);
  });

  it('finds a misspelled target in a doc, so the test above can fail', () => {
    const doc = 'Run `make servces`, then:\n```sh\nmake tset-unit\n```\n';
    expect(
      makeTargetsInMarkdown(doc)
        .filter((t) => !helpTargets().has(t))
        .sort(),
    ).toEqual(['servces', 'tset-unit']);
  });
});
