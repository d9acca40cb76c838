import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docFiles, headingAnchors, markdownLinks, readDoc } from './markdown.ts';

const root = path.resolve(import.meta.dirname, '../../..');

/** Relative links that lead nowhere: a missing file, or a heading the target does not have. */
function brokenLinks(file: string): string[] {
  const text = readDoc(root, file);
  return markdownLinks(text).flatMap(({ target, line }) => {
    if (/^[a-z]+:/i.test(target)) return [];
    const [pathPart = '', anchor] = target.split('#');
    const resolved = pathPart ? path.join(path.dirname(file), pathPart) : file;
    const where = `${file}:${line} → ${target}`;
    if (!existsSync(path.join(root, resolved))) return [`${where}: no such file`];
    if (!anchor || !resolved.endsWith('.md') || statSync(path.join(root, resolved)).isDirectory())
      return [];
    const anchors =
      resolved === file ? headingAnchors(text) : headingAnchors(readDoc(root, resolved));
    return anchors.has(anchor) ? [] : [`${where}: ${resolved} has no heading #${anchor}`];
  });
}

describe('links in the docs', () => {
  it.each(docFiles(root))('%s: every relative link resolves', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  // Task files are listed by the task overview (tasks.test.ts checks that); the index links it.
  it('docs/README.md links every doc', () => {
    const index = readDoc(root, 'docs/README.md');
    const linked = new Set(
      markdownLinks(index).map((l) => path.join('docs', l.target.split('#')[0] ?? '')),
    );
    const unlisted = docFiles(root).filter(
      (f) =>
        f.startsWith('docs/') && !/^docs\/(README|tasks\/task-\d.*)\.md$/.test(f) && !linked.has(f),
    );
    expect(unlisted, 'add these to docs/README.md').toEqual([]);
  });

  it('slugs headings like GitHub', () => {
    expect(
      headingAnchors('# Task 2.1: DigitalOcean droplet\n## Manual checklist\n## Manual checklist'),
    ).toEqual(new Set(['task-21-digitalocean-droplet', 'manual-checklist', 'manual-checklist-1']));
  });
});
