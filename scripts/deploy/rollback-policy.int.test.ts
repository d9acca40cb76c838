import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StandIn, startCoolifyStandIn } from './testing/coolify-stand-in.ts';
import { runDeployCommand } from './testing/run-deploy.ts';
import { requiredEnvs } from './topology.ts';

// The deploy command compares the live version's db/migrations with the new one's (git on the
// checkout, DEPLOY_GIT_DIR) before it touches anything: a new migration with a contract marker
// switches automatic rollback off and says so first. Real command, Coolify stand-in, a real git
// repository whose commits are the live and the new versions.

const TOKEN = `1|${randomBytes(16).toString('hex')}`;
const WEB = 'w0eb0c4wg0kgc4o8w0o8co4c';
const WORKER = 'k8s0c4wg0kgc4o8w0o8co4c0';

let repo: string;
const commits: Record<'live' | 'additive' | 'contract', string> = {
  live: '',
  additive: '',
  contract: '',
};

function git(args: string[]): string {
  const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

function commit(file: string, sql: string, message: string): string {
  writeFileSync(path.join(repo, 'db/migrations', file), sql);
  git(['add', '-A']);
  git(['commit', '--quiet', '--no-verify', '-m', message]);
  return git(['rev-parse', 'HEAD']);
}

beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'deploy-migrations-'));
  mkdirSync(path.join(repo, 'db/migrations'), { recursive: true });
  git(['init', '--quiet', '-b', 'main']);
  git(['config', 'user.email', 'test@example.com']);
  git(['config', 'user.name', 'Test']);
  commits.live = commit('0000_init.sql', 'CREATE TABLE "t" ("a" text, "b" text);\n', 'live');
  commits.additive = commit('0001_add.sql', 'ALTER TABLE "t" ADD COLUMN "c" text;\n', 'additive');
  commits.contract = commit(
    '0002_drop-b.sql',
    '-- contract: v7 nothing reads "b" since v7\nALTER TABLE "t" DROP COLUMN "b";\n',
    'contract',
  );
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function deploy(next: string, webFails: boolean, live = commits.live) {
  const envs = (role: 'web' | 'worker') =>
    Object.fromEntries(requiredEnvs[role].map((key) => [key, 'set']));
  standIn = await startCoolifyStandIn({
    tokens: { [TOKEN]: { abilities: ['read', 'write', 'deploy'], admin: true } },
    apps: [
      { uuid: WORKER, name: 'worker', tag: `sha-${live}`, envs: envs('worker') },
      { uuid: WEB, name: 'web', tag: `sha-${live}`, envs: envs('web'), serves: true },
    ],
    outcome: (tag, app) =>
      webFails && tag === `sha-${next}` && app === WEB ? 'failed' : 'finished',
  });
  const run = await runDeployCommand({
    COOLIFY_URL: standIn.coolifyUrl,
    COOLIFY_TOKEN: TOKEN,
    COOLIFY_WEB_UUID: WEB,
    COOLIFY_WORKER_UUIDS: WORKER,
    APP_URL: standIn.appUrl,
    DEPLOY_SHA: next,
    DEPLOY_GIT_DIR: repo,
  });
  const patches = standIn.exchanges.filter(
    (r) => r.method === 'PATCH' && /\/applications\/[^/]+$/.test(r.path),
  ).length;
  return { ...run, patches, standIn };
}

describe('deploy: migrations of the live and the new version', () => {
  it('a new migration with a contract marker: rollback off, said before anything deploys; a failure is not rolled back', async () => {
    const run = await deploy(commits.contract, true);
    expect(run.code).toBe(1);
    const lines = run.output.split('\n');
    const off = lines.findIndex((l) => l.includes('automatic rollback is OFF for this deploy'));
    const firstDeploy = lines.findIndex((l) => l.includes('worker: deploying'));
    expect(off).toBeGreaterThan(-1);
    expect(off).toBeLessThan(firstDeploy);
    expect(lines[off]).toContain('0002_drop-b.sql (contract: v7 nothing reads "b" since v7)');
    expect(run.output).toContain(
      `if ${commits.contract.slice(0, 12)} fails: ${commits.live.slice(0, 12)} may not run on the migrated database`,
    );
    expect(run.output).toContain('no automatic rollback: 0002_drop-b.sql changed the schema');
    expect(run.output).toContain(`DEPLOY_SHA=${commits.live} make deploy`);
    expect(run.output).not.toContain('rolling back');
    // Forward only: worker and web set to the new tag, nothing set back.
    expect(run.patches).toBe(2);
    expect(run.standIn.app(WORKER).tag).toBe(`sha-${commits.contract}`);
  });

  it('contract migration, successful deploy: says rollback was off, ends live', async () => {
    const run = await deploy(commits.contract, false);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('automatic rollback is OFF');
    expect(run.output).toContain(`✓ ${commits.contract.slice(0, 12)} is live and healthy`);
  });

  it('only additive migrations: rollback stays automatic and a failure rolls back', async () => {
    const run = await deploy(commits.additive, true);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      `migrations: 1 new since ${commits.live.slice(0, 12)} (0001_add.sql), none marked as a contract: automatic rollback on`,
    );
    expect(run.output).toContain(`web: rolled back to ${commits.live.slice(0, 12)}`);
    expect(run.output).not.toContain('rollback is OFF');
  });

  it('a live version git does not know: says it cannot compare, keeps automatic rollback', async () => {
    const unknown = randomBytes(20).toString('hex');
    const run = await deploy(commits.contract, true, unknown);
    expect(run.output).toContain(
      `cannot compare migrations with the live version: commit ${unknown.slice(0, 12)} is not in this checkout`,
    );
    expect(run.output).toContain(`web: rolled back to ${unknown.slice(0, 12)}`);
  });
});
