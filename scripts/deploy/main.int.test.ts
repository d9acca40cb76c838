import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type StandIn,
  type StandInOptions,
  startCoolifyStandIn,
} from './testing/coolify-stand-in.ts';
import { freePort } from './testing/image-commands.ts';
import { runDeployCommand, runScript } from './testing/run-deploy.ts';
import { requiredEnvs } from './topology.ts';

// The real deploy command (and `make coolify-setup`) as child processes against the Coolify
// stand-in: one scenario per failure of issue 17 and per HTTP answer Coolify gives.

const sha = () => randomBytes(20).toString('hex');
const TOKEN = `1|${randomBytes(16).toString('hex')}`;
const WEB = 'w0eb0c4wg0kgc4o8w0o8co4c';
const WORKER = 'k8s0c4wg0kgc4o8w0o8co4c0';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

const envsFor = (role: 'web' | 'worker') =>
  Object.fromEntries(requiredEnvs[role].map((key) => [key, 'set']));

type Shas = { previous: string; next: string };
type Overrides = Partial<StandInOptions> | ((shas: Shas) => Partial<StandInOptions>);

async function scenario(
  overrides: Overrides = {},
  env: Record<string, string> = {},
  configured = true,
) {
  const shas = { previous: sha(), next: sha() };
  const extra = typeof overrides === 'function' ? overrides(shas) : overrides;
  standIn = await startCoolifyStandIn({
    tokens: { [TOKEN]: { abilities: ['read', 'write', 'deploy'], admin: true } },
    apps: [
      {
        uuid: WORKER,
        name: 'worker',
        tag: `sha-${shas.previous}`,
        envs: configured ? envsFor('worker') : {},
      },
      {
        uuid: WEB,
        name: 'web',
        tag: `sha-${shas.previous}`,
        envs: configured ? envsFor('web') : {},
        serves: true,
      },
    ],
    ...extra,
  });
  const run = await runDeployCommand({ ...baseEnv(standIn), DEPLOY_SHA: shas.next, ...env });
  // The token must never reach the output, whatever happened.
  expect(run.output).not.toContain(TOKEN);
  return { ...run, ...shas, standIn };
}

const baseEnv = (s: StandIn) => ({
  COOLIFY_URL: s.coolifyUrl,
  COOLIFY_TOKEN: TOKEN,
  COOLIFY_WEB_UUID: WEB,
  COOLIFY_WORKER_UUIDS: WORKER,
  APP_URL: s.appUrl,
});

const mutations = (s: StandIn) => s.exchanges.filter((r) => r.method !== 'GET');
const tagPatches = (s: StandIn) =>
  s.exchanges
    .filter((r) => r.method === 'PATCH' && /\/applications\/[^/]+$/.test(r.path))
    .map(
      (r) =>
        `${r.path.split('/').pop() === WEB ? 'web' : 'worker'}=${(r.body as { docker_registry_image_tag: string }).docker_registry_image_tag.slice(4, 10)}`,
    );

describe('deploy command against the Coolify stand-in', () => {
  it('happy path: worker first (it migrates), then web, then waits for the new version', async () => {
    const run = await scenario();
    expect(run.code, run.output).toBe(0);
    expect(tagPatches(run.standIn)).toEqual([
      `worker=${run.next.slice(0, 6)}`,
      `web=${run.next.slice(0, 6)}`,
    ]);
    expect(run.standIn.app(WEB).serving).toBe(`sha-${run.next}`);
    expect(run.standIn.app(WORKER).serving).toBe(`sha-${run.next}`);
    expect(run.output).toContain(`✓ ${run.next.slice(0, 12)} is live and healthy`);
  });

  it('#3: variables missing on the applications → names make coolify-setup, changes nothing', async () => {
    const run = await scenario({}, {}, false);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /the worker application has no NODE_ENV, DATABASE_URL.*run 'make coolify-setup'/,
    );
    expect(mutations(run.standIn)).toEqual([]);
  });

  it('#3: make coolify-setup creates them through the API, then the deploy works; a second setup changes nothing', async () => {
    const run = await scenario({}, {}, false);
    expect(run.code).toBe(1);
    const setupEnv = {
      ...baseEnv(run.standIn),
      GHCR_REPOSITORY: 'owner/repo',
      COOLIFY_DATABASE_URL: 'postgres://postgres:s3cret-db@pg0uuid:5432/postgres',
      COOLIFY_REDIS_URL: 'redis://default:s3cret-redis@redis0uuid:6379/0',
    };
    const first = await runScript('scripts/deploy/coolify-setup.ts', setupEnv);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('web: created DATABASE_URL=(secret)');
    expect(first.output).toContain('worker: created MIGRATE_ON_START=true');
    expect(first.output).toContain('web: set ports_exposes=3000, health_check_enabled=true');
    expect(first.output).not.toMatch(/s3cret|TOKEN/);
    expect(run.standIn.app(WEB).envs.get('BASIC_AUTH_PASSWORD')?.value).toMatch(/^[\w-]{20,}$/);
    const second = await runScript('scripts/deploy/coolify-setup.ts', setupEnv);
    expect(second.output).toContain('nothing to change');
    const deploy = await runDeployCommand({ ...baseEnv(run.standIn), DEPLOY_SHA: run.next });
    expect(deploy.code, deploy.output).toBe(0);
  });

  it('#5: a deployment already running → Coolify skips ours (unsaved uuid, 404); no rollback, deploys again', async () => {
    const run = await scenario({ busy: { app: WEB, ms: 800 } });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(
      /Coolify skipped deployment \w+: \w+ is already (queued|in_progress)/,
    );
    expect(run.output).not.toContain('rolling back');
    expect(run.standIn.app(WEB).serving).toBe(`sha-${run.next}`);
    // The busy one deployed the old tag; ours came after it.
    expect(
      run.standIn
        .deployments()
        .filter((d) => d.app === WEB)
        .map((d) => d.docker_registry_image_tag),
    ).toEqual([`sha-${run.previous}`, `sha-${run.next}`]);
  });

  it('web deployment failed → web, then worker rolled back to the previous tag; exit 1 says what is live', async () => {
    const run = await scenario(({ next }) => ({
      outcome: (tag, app) => (tag === `sha-${next}` && app === WEB ? 'failed' : 'finished'),
    }));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /deploy of \w+ failed: web: deployment \w+ failed: logs at http:\/\/127\.0\.0\.1:\d+\/project\//,
    );
    expect(run.output).toContain(`web: rolled back to ${run.previous.slice(0, 12)}`);
    expect(run.output).toContain(`worker: rolled back to ${run.previous.slice(0, 12)}`);
    expect(run.output).toContain(`live now: HTTP 200, version ${run.previous.slice(0, 12)}`);
    const p = run.previous.slice(0, 6);
    const n = run.next.slice(0, 6);
    expect(tagPatches(run.standIn)).toEqual([`worker=${n}`, `web=${n}`, `web=${p}`, `worker=${p}`]);
  });

  it('worker (migrator) deployment failed → web is never touched', async () => {
    const run = await scenario(({ next }) => ({
      outcome: (tag, app) => (tag === `sha-${next}` && app === WORKER ? 'failed' : 'finished'),
    }));
    expect(run.code).toBe(1);
    expect(tagPatches(run.standIn).filter((p) => p.startsWith('web'))).toEqual([]);
    expect(run.standIn.app(WEB).serving).toBe(`sha-${run.previous}`);
  });

  it('health never reports the new version → rolls both back', async () => {
    const run = await scenario(
      { runtime: { deploy: async () => 'finished' } },
      { HEALTH_TIMEOUT_MS: '500' },
    );
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/api\/health did not report \w+ within 0\.5 s/);
    expect(run.standIn.app(WEB).tag).toBe(`sha-${run.previous}`);
    expect(run.standIn.app(WORKER).tag).toBe(`sha-${run.previous}`);
  });

  it.each([
    [
      'API disabled',
      { apiEnabled: false },
      /API is disabled \(403\): enable it in Settings › Advanced › API Access/,
    ],
    [
      'IP allowlist',
      { allowedIps: ['203.0.113.7'] },
      /allowlist does not include this machine's address \(403\): GitHub-hosted runners change addresses/,
    ],
    [
      'team member token',
      { tokens: { [TOKEN]: { abilities: ['read', 'write', 'deploy'], admin: false } } },
      /belongs to a team member.*only read \(403\): create a token as a team admin or owner/,
    ],
    [
      'no read ability',
      { tokens: { [TOKEN]: { abilities: ['write', 'deploy'], admin: true } } },
      /lacks the 'read' ability for GET \/applications/,
    ],
  ] as const)('403 (%s): its own fix line, nothing changed', async (_name, options, fix) => {
    const run = await scenario(options as Partial<StandInOptions>);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(fix);
    expect(mutations(run.standIn)).toEqual([]);
  });

  it('403 without deploy: the tags are restored, nothing was deployed', async () => {
    const run = await scenario({
      tokens: { [TOKEN]: { abilities: ['read', 'write'], admin: true } },
    });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/lacks the 'deploy' ability/);
    expect(run.output).toContain('worker: tag restored to');
    expect(run.standIn.app(WORKER).tag).toBe(`sha-${run.previous}`);
    expect(run.standIn.deployments()).toEqual([]);
  });

  it('200 "Unauthorized to deploy this application." without a uuid: says whose token, restores the tag', async () => {
    const run = await scenario({ deployForbidden: [WORKER] });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /did not deploy \w+ \("Unauthorized to deploy this application\."\): the token's user/,
    );
    expect(run.standIn.app(WORKER).tag).toBe(`sha-${run.previous}`);
  });

  it('401: names COOLIFY_TOKEN and changes nothing', async () => {
    const run = await scenario({
      tokens: { 'some-other-token': { abilities: ['root'], admin: true } },
    });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/rejected the token \(401\).*COOLIFY_TOKEN/);
    expect(mutations(run.standIn)).toEqual([]);
  });

  it('404: says the application UUID is wrong', async () => {
    const run = await scenario({}, { COOLIFY_WEB_UUID: 'does0not0exist' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/no application does0not0exist: check COOLIFY_WEB_UUID/);
  });

  it('#8: a Docker Compose resource is refused (it stops every container before up)', async () => {
    const run = await scenario({
      apps: [
        { uuid: WORKER, name: 'worker', buildPack: 'dockercompose', envs: envsFor('worker') },
        { uuid: WEB, name: 'web', envs: envsFor('web'), serves: true },
      ],
    });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /uses the 'dockercompose' build pack: create it as a Docker Image application/,
    );
    expect(mutations(run.standIn)).toEqual([]);
  });

  it('#2: an http:// COOLIFY_URL that is not loopback is refused before any request', async () => {
    const run = await scenario({}, { COOLIFY_URL: 'http://203.0.113.7:8000' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/COOLIFY_URL.*must be https:\/\//);
    expect(run.standIn.exchanges).toEqual([]);
  });

  it('#6: a job timeout shorter than the worst case stops before anything changes', async () => {
    const run = await scenario(
      {},
      { DEPLOY_JOB_TIMEOUT_MINUTES: '5', DEPLOY_TIMEOUT_MS: '600000' },
    );
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/worst case .* takes \d+ min, longer than the job's 5 min/);
    expect(run.standIn.exchanges).toEqual([]);
  });

  it('429 then success: waits as long as Retry-After says', async () => {
    const run = await scenario({
      faults: [
        {
          method: 'POST',
          path: /^\/api\/v1\/deploy$/,
          status: 429,
          times: 1,
          retryAfterSeconds: 1,
        },
      ],
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/rate-limited .*waiting 1\.0 s/);
  });

  it('500 twice then success: retries with backoff', async () => {
    const run = await scenario({
      faults: [{ method: 'GET', path: /^\/api\/v1\/deployments\//, status: 500, times: 2 }],
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output.match(/answered GET \/deployments\/\w+ with 500; retrying/g)).toHaveLength(2);
  });

  it('Coolify unreachable: bounded retries, then one line naming COOLIFY_URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await scenario({}, { COOLIFY_URL: closed, COOLIFY_RETRIES: '2' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/after 3 attempts: check COOLIFY_URL/);
  });

  it('timeout: a deployment that never finishes is cancelled and the previous tag redeployed', async () => {
    const run = await scenario(
      ({ next }) => ({ outcome: (tag) => (tag === `sha-${next}` ? 'stuck' : 'finished') }),
      { DEPLOY_TIMEOUT_MS: '600' },
    );
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/worker: deployment \w+ was still in_progress after 0\.6 s/);
    expect(run.standIn.deployments().map((d) => d.status)).toEqual([
      'cancelled-by-user',
      'finished',
    ]);
    expect(run.standIn.app(WORKER).serving).toBe(`sha-${run.previous}`);
  });

  it('first deploy (no sha tag before): no rollback target, says so', async () => {
    const run = await scenario({
      apps: [
        { uuid: WORKER, name: 'worker', envs: envsFor('worker') },
        { uuid: WEB, name: 'web', envs: envsFor('web'), serves: true },
      ],
      outcome: () => 'failed',
    });
    expect(run.code).toBe(1);
    expect(run.output).toContain('worker: no rollback (it had no sha-… tag before: first deploy)');
  });
});
