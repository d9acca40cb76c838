import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export type DeployRun = { code: number | null; output: string };

/**
 * Runs the real deploy command (scripts/deploy/main.ts) as `make deploy` would, with exactly the
 * given environment plus fast polling, and collects what the user would see.
 */
export function runDeployCommand(env: Record<string, string>): Promise<DeployRun> {
  return runScript('scripts/deploy/main.ts', {
    DEPLOY_POLL_INTERVAL_MS: '20',
    HEALTH_POLL_INTERVAL_MS: '20',
    COOLIFY_RETRY_BASE_MS: '50',
    DEPLOY_TIMEOUT_MS: '10000',
    HEALTH_TIMEOUT_MS: '5000',
    // Random test SHAs are in no repository: never let the migration comparison fetch them from
    // a developer's origin. Tests of the comparison give a repository of their own.
    DEPLOY_GIT_DIR: tmpdir(),
    ...env,
  });
}

/** Runs one of the repo's TypeScript scripts with only PATH, NO_COLOR and `env`. */
export function runScript(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<DeployRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, output }));
  });
}
