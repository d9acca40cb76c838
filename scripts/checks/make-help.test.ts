import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const ESC = '\u001b';

/** `make help` as a user pipes it (`make help | cat`, a CI log): stdout here is a pipe. */
function help(env: Record<string, string | undefined>) {
  const { NO_COLOR: _n, FORCE_COLOR: _f, ...rest } = process.env;
  const result = spawnSync('make', ['--no-print-directory', 'help'], {
    cwd: root,
    env: { ...rest, ...env },
    encoding: 'utf8',
  });
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('make help', () => {
  it('writes no escape codes into a pipe', () => {
    const out = help({});
    expect(out).toContain('help');
    expect(out).not.toContain(ESC);
  });

  it('colours a pipe with FORCE_COLOR=1, and not with FORCE_COLOR=0', () => {
    expect(help({ FORCE_COLOR: '1' })).toContain(`${ESC}[36m`);
    expect(help({ FORCE_COLOR: '0' })).not.toContain(ESC);
  });
});
