import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Small readers for the repository's Markdown, used by the docs tests: which files, which `make`
 * commands they mention, which links they contain. Read at test time, so a merge that adds docs or
 * Makefile targets is checked as it is.
 */

/** README.md, CLAUDE.md and every .md under docs/, relative to `root`. */
export function docFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(rel);
      return entry.name.endsWith('.md') ? [rel] : [];
    });
  return ['README.md', 'CLAUDE.md', ...walk('docs').sort()];
}

export const readDoc = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');

/** Inline code spans and the lines of fenced code blocks: where commands are written. */
export function codeFragments(markdown: string): string[] {
  const fragments: string[] = [];
  const prose = markdown.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (_, block: string) => {
    fragments.push(...block.split('\n'));
    return '';
  });
  for (const match of prose.matchAll(/`([^`\n]+)`/g)) if (match[1]) fragments.push(match[1]);
  return fragments;
}

const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// A lone `/` separates alternatives in prose (`make up / doctor`), not targets of one make.
const SEPARATORS = new Set(['&&', '||', ';', '|', '(', ')', '/']);

/**
 * The make targets a piece of shell names: every word after `make` up to the next separator that
 * looks like a target (no options, no VAR=value, no quoted arguments, no comments, no
 * placeholders such as `make <target>`).
 */
export function makeTargetsInCode(code: string): string[] {
  const words = code
    .replace(/"[^"]*"|'[^']*'/g, ' ')
    .replace(/(^|\s)#.*$/, '')
    .replace(/([;|&()])/g, ' $1 ')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (w === '&' ? '&&' : w));
  const targets: string[] = [];
  let inMake = false;
  for (const word of words) {
    if (word === 'make' || word.endsWith('/make')) {
      inMake = true;
      continue;
    }
    if (SEPARATORS.has(word)) inMake = false;
    else if (inMake && TARGET.test(word) && !word.includes('=')) targets.push(word);
  }
  return targets;
}

/** Every make target mentioned in a Markdown text, with the line it is on. */
export function makeTargetsInMarkdown(markdown: string): string[] {
  return [...new Set(codeFragments(markdown).flatMap(makeTargetsInCode))];
}

export type Link = { target: string; line: number };

/** Markdown links `[text](target)` outside code, with their line numbers. */
export function markdownLinks(markdown: string): Link[] {
  const links: Link[] = [];
  let inFence = false;
  for (const [index, line] of markdown.split('\n').entries()) {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (match[1]) links.push({ target: match[1], line: index + 1 });
    }
  }
  return links;
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const match = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (!match || match[1] === undefined) continue;
    const base = match[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}
