import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rewriteEnvFile, rewriteEnvText } from './env-file.ts';

const urls = {
  DATABASE_URL: 'postgres://postgres:postgres@localhost:5432/app',
  REDIS_URL: 'redis://localhost:6379',
};

describe('rewriteEnvText', () => {
  it('changes only the two values and keeps comments, unknown lines, quotes and CRLF', () => {
    const before = [
      '# Implementation 2',
      'DATABASE_URL=postgres://app:pw@192.168.64.5:5432/app # the VM',
      'export REDIS_URL="redis://:pw@192.168.64.5:6379"',
      'OTHER=DATABASE_URL=not-this-one',
      '',
      '   # indented',
      "QUOTED='single # not a comment'\r",
      'LAST=no newline at end',
    ].join('\n');
    expect(rewriteEnvText(before, urls)).toBe(
      [
        '# Implementation 2',
        'DATABASE_URL=postgres://postgres:postgres@localhost:5432/app # the VM',
        'export REDIS_URL="redis://localhost:6379"',
        'OTHER=DATABASE_URL=not-this-one',
        '',
        '   # indented',
        "QUOTED='single # not a comment'\r",
        'LAST=no newline at end',
      ].join('\n'),
    );
  });

  it('appends a variable that is missing, on a line of its own', () => {
    expect(rewriteEnvText('DATABASE_URL=postgres://x@vm/app\nA=1', urls)).toBe(
      `DATABASE_URL=${urls.DATABASE_URL}\nA=1\nREDIS_URL=${urls.REDIS_URL}\n`,
    );
  });
});

describe('rewriteEnvFile', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up to .env.impl2.bak, numbering it when one exists, and is a no-op the second time', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'env-file-'));
    const file = path.join(dir, '.env');
    writeFileSync(file, 'DATABASE_URL=postgres://a@vm/app\nREDIS_URL=redis://vm\n');
    writeFileSync(path.join(dir, '.env.impl2.bak'), 'older');

    const result = rewriteEnvFile(file, urls);
    expect(result).toEqual({ changed: true, backup: path.join(dir, '.env.impl2.bak.1') });
    expect(readFileSync(path.join(dir, '.env.impl2.bak'), 'utf8')).toBe('older');
    expect(readFileSync(path.join(dir, '.env.impl2.bak.1'), 'utf8')).toContain('@vm/app');
    expect(readFileSync(file, 'utf8')).toBe(
      `DATABASE_URL=${urls.DATABASE_URL}\nREDIS_URL=${urls.REDIS_URL}\n`,
    );
    expect(rewriteEnvFile(file, urls)).toEqual({ changed: false });
  });
});
