import { spawnSync } from 'node:child_process';
import { contractMarkers } from '../checks/migrations/lint.ts';
import { short } from './health.ts';

/**
 * Before a deploy: which migrations does the new version add over the live one, and does any of
 * them carry a `-- contract:` marker (a deliberate break of the previous release, decision 0080)?
 * Then automatic rollback would put the live version back on a schema it cannot run on, so it is
 * switched off for this deploy (decision 0082).
 *
 * The answer comes from git on the checkout the deploy runs in (the deploy job's, or yours):
 * `git ls-tree` of db/migrations at both commits, the new files' text at the new commit. A commit
 * missing from a shallow checkout is fetched by its SHA (trees only, depth 1). When git cannot
 * answer, the deploy says so and keeps automatic rollback: it does not guess.
 */

export type MigrationComparison =
  | {
      known: true;
      live: string;
      added: string[];
      /** Added files with contract markers, each with its markers' text. */
      contracts: { file: string; markers: string[] }[];
    }
  | { known: false; reason: string };

const DIR = 'db/migrations';

function git(cwd: string, args: string[]) {
  // Never a credential prompt, never a hang: a fetch that cannot finish in a minute is "unknown".
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
  return { ok: result.status === 0, out: result.stdout ?? '', err: (result.stderr ?? '').trim() };
}

function ensureCommit(cwd: string, sha: string): boolean {
  if (git(cwd, ['cat-file', '-e', `${sha}^{commit}`]).ok) return true;
  git(cwd, ['fetch', '--quiet', '--no-tags', '--depth=1', 'origin', sha]);
  return git(cwd, ['cat-file', '-e', `${sha}^{commit}`]).ok;
}

function migrationFiles(cwd: string, sha: string): string[] | undefined {
  const listed = git(cwd, ['ls-tree', '--name-only', `${sha}:${DIR}`]);
  if (!listed.ok) return undefined;
  return listed.out.split('\n').filter((name) => name.endsWith('.sql'));
}

export function compareMigrations(
  cwd: string,
  live: string | undefined,
  next: string,
): MigrationComparison {
  if (!live)
    return {
      known: false,
      reason: 'the live version is unknown (no sha-… tag, no /api/health version)',
    };
  if (!git(cwd, ['rev-parse', '--git-dir']).ok)
    return { known: false, reason: `${cwd} is not a git checkout` };
  for (const sha of [live, next]) {
    if (!ensureCommit(cwd, sha))
      return {
        known: false,
        reason: `commit ${short(sha)} is not in this checkout and could not be fetched`,
      };
  }
  const before = migrationFiles(cwd, live);
  const after = migrationFiles(cwd, next);
  if (!after) return { known: false, reason: `${short(next)} has no ${DIR}` };
  const known = new Set(before ?? []);
  const added = after.filter((name) => !known.has(name));
  const contracts = added.flatMap((file) => {
    const shown = git(cwd, ['show', `${next}:${DIR}/${file}`]);
    const markers = shown.ok ? contractMarkers(shown.out) : [];
    return markers.length > 0 ? [{ file, markers }] : [];
  });
  return { known: true, live, added, contracts };
}

export type RollbackPolicy = { automatic: boolean; notice: string[]; ifFailed: string[] };

/** What the deploy prints up front, and what it says instead of rolling back. */
export function rollbackPolicy(comparison: MigrationComparison, next: string): RollbackPolicy {
  if (!comparison.known)
    return {
      automatic: true,
      notice: [
        `cannot compare migrations with the live version: ${comparison.reason}; automatic rollback stays on`,
      ],
      ifFailed: [],
    };
  const live = short(comparison.live);
  if (comparison.contracts.length === 0)
    return {
      automatic: true,
      notice: [
        comparison.added.length === 0
          ? `migrations: none new since the live version ${live}`
          : `migrations: ${comparison.added.length} new since ${live} (${comparison.added.join(', ')}), none marked as a contract: automatic rollback on`,
      ],
      ifFailed: [],
    };
  const marked = comparison.contracts.map((c) => `${c.file} (${c.markers.join('; ')})`);
  return {
    automatic: false,
    notice: [
      `automatic rollback is OFF for this deploy: ${marked.join(', ')} ${comparison.contracts.length > 1 ? 'carry contract markers' : 'carries a contract marker'}, a deliberate break of ${live}'s schema`,
      `if ${short(next)} fails: ${live} may not run on the migrated database, so it is not redeployed automatically. Fix forward (push a fix, CI deploys it), or restore the backup taken before this deploy and then run DEPLOY_SHA=${comparison.live} make deploy`,
    ],
    ifFailed: [
      `no automatic rollback: ${marked.map((m) => m.split(' ')[0]).join(', ')} changed the schema in a way ${live} cannot run on (contract marker)`,
      `what now: fix forward with a new commit, or restore the database from the backup taken before this deploy, then DEPLOY_SHA=${comparison.live} make deploy`,
    ],
  };
}
