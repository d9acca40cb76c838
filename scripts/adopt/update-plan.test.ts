import { describe, expect, it } from 'vitest';
import { TEMPLATE_SCOPE } from './rename.ts';
import { decide, hasConflictMarkers, renamed } from './update-plan.ts';

const b = (text: string) => Buffer.from(text);

describe('decide', () => {
  const old = b('old\n');
  const next = b('new\n');
  it('takes the template change where the adopter did not touch the file', () => {
    expect(decide(old, next, b('old\n')).kind).toBe('update');
    expect(decide(old, undefined, b('old\n')).kind).toBe('delete');
    expect(decide(undefined, next, undefined).kind).toBe('add');
  });
  it('never resurrects or deletes what the adopter decided', () => {
    expect(decide(old, next, undefined).kind).toBe('skip-deleted');
    expect(decide(old, undefined, b('mine\n')).kind).toBe('keep-changed');
  });
  it('merges where both changed, and does nothing where they already agree', () => {
    expect(decide(old, next, b('mine\n')).kind).toBe('merge');
    expect(decide(undefined, next, b('mine\n')).kind).toBe('merge');
    expect(decide(old, next, b('new\n')).kind).toBe('same');
    expect(decide(old, undefined, undefined).kind).toBe('same');
  });
});

describe('renamed', () => {
  it("applies make init's rules to the template's text, and leaves binaries alone", () => {
    const source = b(`import { a } from '${TEMPLATE_SCOPE}shared';\n`);
    expect(renamed('acme-crm', 'apps/web/src/x.ts', source).toString()).toBe(
      "import { a } from '@acme-crm/shared';\n",
    );
    expect(renamed(undefined, 'apps/web/src/x.ts', source)).toEqual(source);
    const binary = Buffer.from([0, 64, 97, 112, 112, 47]);
    expect(renamed('acme-crm', 'logo.png', binary)).toEqual(binary);
  });
});

describe('hasConflictMarkers', () => {
  it('finds marker lines only at a line start', () => {
    expect(hasConflictMarkers('a\n<<<<<<< yours\nb\n=======\nc\n>>>>>>> template\n')).toBe(true);
    expect(hasConflictMarkers('a "<<<<<<< " in a string\n')).toBe(false);
  });
});
