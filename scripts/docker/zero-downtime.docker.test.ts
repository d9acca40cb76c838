import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type StandIn, startCoolifyStandIn } from '../deploy/testing/coolify-stand-in.ts';
import { runDeployCommand } from '../deploy/testing/run-deploy.ts';
import { requiredEnvs } from '../deploy/topology.ts';
import {
  buildImage,
  docker,
  dockerOk,
  headSha,
  removeAll,
  startPostgres,
  startRedis,
  uniqueName,
} from './testing/docker.ts';
import {
  freeLoopbackPort,
  rollingRuntime,
  startRegistry,
  startRouter,
} from './testing/rolling-runtime.ts';

// Issue 17's proof: the real deploy command against the Coolify stand-in, whose runtime replaces
// real web containers by Coolify's rolling update, images pulled from a local registry (GHCR's
// part), traffic through nginx (Traefik's part). A client polls /api/health every 100 ms during
// each deploy; a good release must cost no request, a broken one must be rolled back with the old
// container serving throughout. Figures are printed, never asserted (decision 0032).

const sha = () => randomBytes(20).toString('hex');
const releases = { a: sha(), b: sha(), broken: sha() };
const TOKEN = `1|${randomBytes(16).toString('hex')}`;
const WEB = 'w0eb0c4wg0kgc4o8w0o8co4c';
const WORKER = 'k8s0c4wg0kgc4o8w0o8co4c0';
const net = uniqueName('zdt');
const names = { postgres: `${net}-postgres`, redis: `${net}-redis` };
const dir = mkdtempSync(path.join(tmpdir(), 'zero-downtime-'));
const log = (line: string) => console.log(`[zero-downtime] ${line}`);

let registry: Awaited<ReturnType<typeof startRegistry>>;
let router: Awaited<ReturnType<typeof startRouter>>;
let runtime: ReturnType<typeof rollingRuntime>;
let standIn: StandIn;
const pushed: string[] = [];

/** Polls GET /api/health every 100 ms on a fresh connection each time, as new visitors would. */
function poller(url: string) {
  const answers: { status: number; version: string; error?: string }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inflight = new Set<Promise<void>>();
  const once = () => {
    const done = new Promise<void>((resolve) => {
      const req = request(`${url}/api/health`, { agent: false, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => {
          let version = '';
          try {
            version = (JSON.parse(body) as { version?: string }).version ?? '';
          } catch {}
          answers.push({ status: res.statusCode ?? 0, version });
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => {
        answers.push({ status: 0, version: '', error: error.message });
        resolve();
      });
      req.end();
    });
    inflight.add(done);
    void done.then(() => inflight.delete(done));
  };
  timer = setInterval(once, 100);
  return {
    stop: async () => {
      clearInterval(timer);
      timer = undefined;
      await Promise.all(inflight);
      return answers;
    },
  };
}

/** The versions in the order they were served, each run collapsed: [a, b] means a then b. */
const sequence = (versions: string[]) => versions.filter((v, i) => v !== versions[i - 1]);

async function deploy(target: string) {
  const poll = poller(router.url);
  const started = Date.now();
  const result = await runDeployCommand({
    COOLIFY_URL: standIn.coolifyUrl,
    COOLIFY_TOKEN: TOKEN,
    COOLIFY_WEB_UUID: WEB,
    COOLIFY_WORKER_UUIDS: WORKER,
    APP_URL: router.url,
    DEPLOY_SHA: target,
    DEPLOY_POLL_INTERVAL_MS: '500',
    HEALTH_POLL_INTERVAL_MS: '500',
    DEPLOY_TIMEOUT_MS: '240000',
    HEALTH_TIMEOUT_MS: '60000',
  });
  const ms = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 500)); // a few polls after the end
  const answers = await poll.stop();
  const failed = answers.filter((a) => a.status !== 200);
  log(
    `deploy of ${target.slice(0, 8)}: exit ${result.code} in ${(ms / 1000).toFixed(1)} s; ${answers.length} polls, ${failed.length} failed`,
  );
  expect(result.output).not.toContain(TOKEN);
  return { ...result, answers, failed, versions: sequence(answers.map((a) => a.version)) };
}

beforeAll(async () => {
  registry = await startRegistry(path.join(dir, 'registry'));
  const base = buildImage('web', { sha: headSha() });
  // Each release is the same build under another version (what /api/health reports); the broken
  // one exits at start, as a release with a crash on boot would.
  const variants: Record<string, string> = {
    [releases.a]: `FROM ${base}\nENV APP_VERSION=${releases.a}\n`,
    [releases.b]: `FROM ${base}\nENV APP_VERSION=${releases.b}\n`,
    [releases.broken]: `FROM ${base}\nENV APP_VERSION=${releases.broken}\nCMD ["node", "-e", "process.exit(1)"]\n`,
  };
  for (const [release, dockerfile] of Object.entries(variants)) {
    const tag = `${registry.host}/web:sha-${release}`;
    dockerOk(['build', '-q', '-t', tag, '-'], { input: dockerfile });
    dockerOk(['push', '-q', tag]);
    // Only the registry has it now, so each deployment really pulls.
    dockerOk(['rmi', tag]);
    pushed.push(tag);
  }
  dockerOk(['network', 'create', net]);
  const password = randomBytes(12).toString('hex');
  const databaseUrl = await startPostgres({
    name: names.postgres,
    network: net,
    alias: 'postgres',
    password,
  });
  const redisUrl = await startRedis({ name: names.redis, network: net, alias: 'redis', password });
  router = await startRouter(path.join(dir, 'router'), [await freeLoopbackPort()]);
  runtime = rollingRuntime({
    registry: registry.host,
    router,
    network: net,
    namePrefix: net,
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: 'bull',
      BASIC_AUTH_USER: 'admin',
      BASIC_AUTH_PASSWORD: randomBytes(12).toString('hex'),
    },
    log,
  });
  await runtime.start(`sha-${releases.a}`);
  const envs = (role: 'web' | 'worker') =>
    Object.fromEntries(requiredEnvs[role].map((key) => [key, 'set']));
  standIn = await startCoolifyStandIn({
    tokens: { [TOKEN]: { abilities: ['read', 'write', 'deploy'], admin: true } },
    apps: [
      { uuid: WORKER, name: 'worker', tag: `sha-${releases.a}`, envs: envs('worker') },
      { uuid: WEB, name: 'web', tag: `sha-${releases.a}`, envs: envs('web'), serves: true },
    ],
    runtime,
  });
});

afterAll(async () => {
  await standIn?.close();
  await router?.stop();
  await registry?.stop();
  removeAll([...(runtime?.containers() ?? []), ...Object.values(names)], net);
  for (const tag of pushed) docker(['rmi', tag]);
  rmSync(dir, { recursive: true, force: true });
});

describe('zero-downtime deploys (Coolify rolling update on real containers)', () => {
  test('a new release replaces the old with no failed request', async () => {
    const run = await deploy(releases.b);
    expect(run.code, run.output).toBe(0);
    expect(run.failed).toEqual([]);
    // While both containers are in the router (the overlap of a rolling update, as with Traefik),
    // a visitor may get either; before it only A answers, after it only B.
    expect(run.versions[0]).toBe(releases.a);
    expect(run.versions.at(-1)).toBe(releases.b);
    expect(new Set(run.versions)).toEqual(new Set([releases.a, releases.b]));
  });

  test('a broken release is rolled back; the old containers serve throughout', async () => {
    const run = await deploy(releases.broken);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(`web: rolled back to ${releases.b.slice(0, 12)}`);
    expect(run.failed).toEqual([]);
    expect(run.versions).toEqual([releases.b]);
  });
});
