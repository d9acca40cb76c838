// What `make template-update` does with one file the template changed, as a pure function of three
// versions: the template's old one and new one (both already renamed as `make init` renamed the
// adopter's copy) and the adopter's working file (decision 0086). No git, no disk: unit-tested.
import { planRename } from './rename.ts';

/** A file's content; undefined when that side has no such file. */
export type Content = Buffer | undefined;

export type Decision =
  /** Already what the template has now (or gone on both sides): nothing to write. */
  | { kind: 'same' }
  /** The adopter never touched it: the template's new version replaces it. */
  | { kind: 'update' }
  /** New in the template, absent here. */
  | { kind: 'add' }
  /** Unchanged here and deleted by the template. */
  | { kind: 'delete' }
  /** Both sides changed it (or both added it, differently): a three-way merge decides. */
  | { kind: 'merge' }
  /** The adopter deleted it (remove-demo, say): it stays deleted. */
  | { kind: 'skip-deleted' }
  /** The template deleted it, the adopter changed it: kept, for the adopter to decide. */
  | { kind: 'keep-changed' };

const same = (a: Buffer, b: Buffer) => a.equals(b);

export function decide(base: Content, theirs: Content, ours: Content): Decision {
  if (base === undefined) {
    if (theirs === undefined) return { kind: 'same' };
    if (ours === undefined) return { kind: 'add' };
    return same(ours, theirs) ? { kind: 'same' } : { kind: 'merge' };
  }
  if (theirs === undefined) {
    if (ours === undefined) return { kind: 'same' };
    return same(ours, base) ? { kind: 'delete' } : { kind: 'keep-changed' };
  }
  if (ours === undefined) return { kind: 'skip-deleted' };
  if (same(ours, theirs)) return { kind: 'same' };
  if (same(ours, base)) return { kind: 'update' };
  return { kind: 'merge' };
}

export const isBinary = (content: Buffer) => content.includes(0);

/**
 * The template's version of a file as `make init NAME=<name>` would have left it: the same rules
 * (planRename), never a copy of them. Binary files and text that is not UTF-8 are left as they are.
 */
export function renamed(name: string | undefined, file: string, content: Buffer): Buffer {
  if (name === undefined || isBinary(content)) return content;
  const text = content.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(content)) return content;
  const [change] = planRename(name, [file], () => text);
  return change ? Buffer.from(change.text, 'utf8') : content;
}

/** Whether a merged text still has a conflict marker line (what `--continue` refuses). */
export const hasConflictMarkers = (text: string) => /^(<{7}|>{7})( |$)/m.test(text);
