import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StandIn, startCoolifyStandIn } from './testing/coolify-stand-in.ts';
import { runDeployCommand, runScript } from './testing/run-deploy.ts';
import { requiredEnvs } from './topology.ts';

// The deploy job's last steps as the workflow runs them: github-deployment.ts start → the deploy
// command against the Coolify stand-in (writing DEPLOY_RESULT_FILE) → github-deployment.ts finish,
// with GitHub's REST API played by a local server that records what it receives.

const TOKEN = `1|${randomBytes(16).toString('hex')}`;
const GITHUB_TOKEN = `ghs_${randomBytes(12).toString('hex')}`;
const WEB = 'w0eb0c4wg0kgc4o8w0o8co4c';
const WORKER = 'k8s0c4wg0kgc4o8w0o8co4c0';

type Received = { method: string; url: string; auth: string; body: Record<string, unknown> };
let github: Server;
let githubUrl: string;
const received: Received[] = [];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gh-deployment-'));
  github = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => {
      text += chunk;
    });
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization ?? '',
        body: JSON.parse(text || '{}'),
      });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: req.url?.endsWith('/deployments') ? 4242 : received.length }));
    });
  });
  github.listen(0, '127.0.0.1');
  await once(github, 'listening');
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
});
afterAll(async () => {
  github?.close();
  rmSync(dir, { recursive: true, force: true });
});

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
  received.length = 0;
});

async function deployJob(webFails: boolean) {
  const previous = randomBytes(20).toString('hex');
  const next = randomBytes(20).toString('hex');
  const envs = (role: 'web' | 'worker') =>
    Object.fromEntries(requiredEnvs[role].map((key) => [key, 'set']));
  standIn = await startCoolifyStandIn({
    tokens: { [TOKEN]: { abilities: ['read', 'write', 'deploy'], admin: true } },
    apps: [
      { uuid: WORKER, name: 'worker', tag: `sha-${previous}`, envs: envs('worker') },
      { uuid: WEB, name: 'web', tag: `sha-${previous}`, envs: envs('web'), serves: true },
    ],
    outcome: (tag, app) =>
      webFails && tag === `sha-${next}` && app === WEB ? 'failed' : 'finished',
  });
  const files = {
    GITHUB_OUTPUT: path.join(dir, `output-${next}`),
    GITHUB_STEP_SUMMARY: path.join(dir, `summary-${next}`),
    DEPLOY_RESULT_FILE: path.join(dir, `result-${next}.json`),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  rmSync(files.DEPLOY_RESULT_FILE);
  const actions = {
    GITHUB_TOKEN,
    GITHUB_REPOSITORY: 'owner/repo',
    GITHUB_API_URL: githubUrl,
    GITHUB_SHA: next,
    GITHUB_RUN_ID: '77',
    APP_URL: standIn.appUrl,
    ...files,
  };
  const start = await runScript('scripts/deploy/github-deployment.ts', actions, ['start']);
  const id = /id=(\d+)/.exec(readFileSync(files.GITHUB_OUTPUT, 'utf8'))?.[1] ?? '';
  const deploy = await runDeployCommand({
    COOLIFY_URL: standIn.coolifyUrl,
    COOLIFY_TOKEN: TOKEN,
    COOLIFY_WEB_UUID: WEB,
    COOLIFY_WORKER_UUIDS: WORKER,
    APP_URL: standIn.appUrl,
    DEPLOY_SHA: next,
    DEPLOY_RESULT_FILE: files.DEPLOY_RESULT_FILE,
  });
  const finish = await runScript(
    'scripts/deploy/github-deployment.ts',
    { ...actions, DEPLOYMENT_ID: id },
    ['finish'],
  );
  const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
  return { start, deploy, finish, id, summary, previous, next };
}

describe('GitHub deployment of a deploy job', () => {
  it('success: production deployment with the app URL, in_progress then success, the summary table', async () => {
    const run = await deployJob(false);
    expect(run.start.code, run.start.output).toBe(0);
    expect(run.deploy.code, run.deploy.output).toBe(0);
    expect(run.id).toBe('4242');
    const [create, progress, done] = received;
    expect(create).toMatchObject({
      method: 'POST',
      url: '/repos/owner/repo/deployments',
      auth: `Bearer ${GITHUB_TOKEN}`,
      body: { ref: run.next, environment: 'production', required_contexts: [], auto_merge: false },
    });
    expect(progress).toMatchObject({
      url: '/repos/owner/repo/deployments/4242/statuses',
      body: { state: 'in_progress', environment_url: standIn?.appUrl },
    });
    expect(done?.body).toMatchObject({
      state: 'success',
      environment_url: standIn?.appUrl,
      auto_inactive: true,
      description: expect.stringContaining('is live and healthy'),
    });
    expect(run.summary).toContain(`| version | \`${run.next.slice(0, 12)}\` |`);
    expect(run.summary).toMatch(/\| duration \| \d+ s \|/);
    expect(run.summary).toContain(`| health | HTTP 200, version ${run.next.slice(0, 12)} |`);
    expect(run.summary).toContain('| rollback | not needed |');
    expect(`${run.start.output}${run.finish.output}`).not.toContain(GITHUB_TOKEN);
  });

  it('failed and rolled back: status inactive, "rolled back" with the version it went back to', async () => {
    const run = await deployJob(true);
    expect(run.deploy.code).toBe(1);
    const done = received.at(-1);
    expect(done?.body.state).toBe('inactive');
    expect(done?.body.description).toMatch(
      new RegExp(
        `^rolled back: to ${run.previous.slice(0, 12)}; deploy of ${run.next.slice(0, 12)} failed`,
      ),
    );
    expect(String(done?.body.description).length).toBeLessThanOrEqual(140);
    expect(run.summary).toContain('| rollback | rolled back |');
    expect(run.summary).toContain(`| health | HTTP 200, version ${run.previous.slice(0, 12)} |`);
    expect(run.summary).toMatch(/- deploy of \w+ failed: web: deployment \w+ failed/);
  });

  it('no result (the deploy step was cancelled): failure that says so', async () => {
    const out = path.join(dir, 'summary-none');
    writeFileSync(out, '');
    const finish = await runScript(
      'scripts/deploy/github-deployment.ts',
      {
        GITHUB_TOKEN,
        GITHUB_REPOSITORY: 'owner/repo',
        GITHUB_API_URL: githubUrl,
        GITHUB_SHA: 'a'.repeat(40),
        APP_URL: 'https://app.example.com',
        GITHUB_STEP_SUMMARY: out,
        DEPLOYMENT_ID: '4242',
        DEPLOY_RESULT_FILE: path.join(dir, 'missing.json'),
      },
      ['finish'],
    );
    expect(finish.code).toBe(0);
    expect(received.at(-1)?.body).toMatchObject({
      state: 'failure',
      description: 'the deploy command ended without a result (cancelled or crashed)',
    });
    expect(readFileSync(out, 'utf8')).toContain('ended without a result');
  });
});
