import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The working tree as an adopter's clone would have it (tracked and new, not ignored files), in a
 * temporary git repository of its own with one commit: for tests that run the template's own
 * commands (`make init`, `make remove-demo`, the CLAUDE.md recipes) where a user would.
 */
export type WorkingTreeCopy = {
  dir: string;
  /** A shell command in the copy, both streams in one as a terminal shows them; no stdin. */
  sh: (command: string, extraEnv?: Record<string, string>) => { status: number; out: string };
  git: (...args: string[]) => string;
  remove: () => void;
};

export function copyWorkingTree(repo: string, label: string): WorkingTreeCopy {
  const dir = mkdtempSync(path.join(tmpdir(), `${label}-`));
  const { FORCE_COLOR: _colour, ...plainEnv } = process.env;
  const env = { ...plainEnv, NO_COLOR: '1', CI: 'true' };
  const sh = (command: string, extraEnv: Record<string, string> = {}) => {
    const result = spawnSync('sh', ['-c', `${command} 2>&1 </dev/null`], {
      cwd: dir,
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status ?? 1, out: result.stdout };
  };
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  const deleted = new Set(
    execFileSync('git', ['ls-files', '-d', '-z'], { cwd: repo, encoding: 'utf8' }).split('\0'),
  );
  for (const file of files) {
    if (deleted.has(file)) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(repo, file), path.join(dir, file), { verbatimSymlinks: true });
  }
  // The pinned tools (pnpm, dclint, actionlint) are shared, not reinstalled per copy.
  symlinkSync(path.join(repo, '.make'), path.join(dir, '.make'));
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'template');
  return {
    dir,
    sh,
    git, // Retries: a dev server stopping a moment ago may still be writing into .next.
    remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 }),
  };
}
