import { spawnSync } from 'node:child_process';

/**
 * Which commit is "the previous release" for `make check-rollback` (decision 0081):
 *
 * - ROLLBACK_BASE (or --base) when given: that commit.
 * - On a branch (HEAD not contained in main): the merge-base with origin/main, else main. That is
 *   what production runs while the branch waits, and what a failed deploy of it returns to.
 * - On main itself (HEAD is main, or contained in it): HEAD's first parent. Every push to main is
 *   deployed (docs/deploy.md), so HEAD^ is the release a failed deploy of HEAD rolls back to.
 *
 * When the previous release has the same db/migrations as HEAD it already ran on this schema, and
 * there is nothing to prove; the check says so and passes (--force runs it anyway).
 */

export type PreviousRelease = { sha: string; rule: string; migrationsChanged: boolean };

export function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { ok: result.status === 0, out: result.stdout.trim(), err: result.stderr.trim() };
}

function mainRef(cwd: string): string | undefined {
  for (const ref of ['origin/main', 'main']) {
    if (git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).ok) return ref;
  }
  return undefined;
}

export function previousRelease(cwd: string, base?: string): PreviousRelease {
  const head = git(cwd, ['rev-parse', 'HEAD']);
  if (!head.ok) throw new Error(`not a git checkout with a commit: ${head.err}`);
  const resolve = (rev: string) => {
    const r = git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    if (!r.ok) throw new Error(`cannot resolve ${rev}: fetch the history (CI: fetch-depth: 0)`);
    return r.out;
  };
  let sha: string;
  let rule: string;
  if (base) {
    sha = resolve(base);
    rule = `ROLLBACK_BASE=${base}`;
  } else {
    const main = mainRef(cwd);
    if (!main) throw new Error('no main or origin/main branch: set ROLLBACK_BASE=<commit>');
    const onMain = git(cwd, ['merge-base', '--is-ancestor', 'HEAD', main]).ok;
    if (onMain) {
      sha = resolve('HEAD^');
      rule = `HEAD is on ${main}: its first parent`;
    } else {
      const mergeBase = git(cwd, ['merge-base', 'HEAD', main]);
      if (!mergeBase.ok) throw new Error(`no merge-base of HEAD and ${main}`);
      sha = mergeBase.out;
      rule = `merge-base of HEAD and ${main}`;
    }
  }
  const changed = !git(cwd, ['diff', '--quiet', sha, 'HEAD', '--', 'db/migrations']).ok;
  return { sha, rule, migrationsChanged: changed };
}
