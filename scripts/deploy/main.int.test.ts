import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type StandIn,
  type StandInOptions,
  startCoolifyStandIn,
} from './testing/coolify-stand-in.ts';
import { freePort } from './testing/image-commands.ts';
import { runDeployCommand } from './testing/run-deploy.ts';

const sha = () => randomBytes(20).toString('hex');
const TOKEN = `1|${randomBytes(16).toString('hex')}`;
const APP = 'k8s0c4wg0kgc4o8w0o8co4c0';

let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

type Overrides = Partial<StandInOptions> | ((shas: { next: string }) => Partial<StandInOptions>);

async function scenario(overrides: Overrides = {}, env: Record<string, string> = {}) {
  const previous = sha();
  const next = sha();
  standIn = await startCoolifyStandIn({
    tokens: { [TOKEN]: ['read', 'write', 'deploy'] },
    appUuid: APP,
    liveSha: previous,
    ...(typeof overrides === 'function' ? overrides({ next }) : overrides),
  });
  const run = await runDeployCommand({
    COOLIFY_URL: standIn.coolifyUrl,
    COOLIFY_TOKEN: TOKEN,
    COOLIFY_APP_UUID: APP,
    APP_URL: standIn.appUrl,
    DEPLOY_SHA: next,
    ...env,
  });
  // The token must never reach the output, whatever happened.
  expect(run.output).not.toContain(TOKEN);
  return { ...run, previous, next, standIn };
}

const calls = (s: StandIn, method: string, path: string) =>
  s.requests.filter((r) => r.method === method && r.path === path);
const mutations = (s: StandIn) => s.requests.filter((r) => r.method !== 'GET');

describe('deploy command against the Coolify stand-in', () => {
  it('happy path: sets the tag, deploys, waits until the app reports the new version', async () => {
    const run = await scenario();
    expect(run.code).toBe(0);
    expect(run.standIn.tag()).toBe(`sha-${run.next}`);
    expect(run.standIn.liveVersion()).toBe(run.next);
    expect(calls(run.standIn, 'PATCH', `/api/v1/applications/${APP}/envs`)[0]?.body).toEqual({
      key: 'IMAGE_TAG',
      value: `sha-${run.next}`,
    });
    expect(run.output).toMatch(/in_progress/);
    expect(run.output).toContain(`✓ ${run.next.slice(0, 12)} is live and healthy`);
  });

  it('a Docker Image resource gets docker_registry_image_tag instead of a variable', async () => {
    const run = await scenario({ buildPack: 'dockerimage' });
    expect(run.code).toBe(0);
    expect(calls(run.standIn, 'PATCH', `/api/v1/applications/${APP}`)[0]?.body).toEqual({
      docker_registry_image_tag: `sha-${run.next}`,
    });
  });

  it('deployment failed → redeploys the previous tag and exits 1 saying what is live', async () => {
    const run = await scenario(({ next }) => ({
      outcome: (tag) => (tag === `sha-${next}` ? 'failed' : 'finished'),
    }));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/deploy of \w+ failed: deployment \w+ failed/);
    expect(run.output).toContain(`rolled back to ${run.previous.slice(0, 12)}`);
    expect(run.output).toContain(`live now: HTTP 200, version ${run.previous.slice(0, 12)}`);
    expect(run.standIn.tag()).toBe(`sha-${run.previous}`);
    expect(run.standIn.deployments().map((d) => d.status)).toEqual(['failed', 'finished']);
  });

  it('health never reports the new version → rolls back', async () => {
    const run = await scenario({ health: 'stale' }, { HEALTH_TIMEOUT_MS: '800' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/api\/health did not report \w+ within 0\.8 s/);
    expect(run.output).toContain(`rolled back to ${run.previous.slice(0, 12)}`);
    expect(run.standIn.tag()).toBe(`sha-${run.previous}`);
    expect(run.standIn.deployments()).toHaveLength(2);
  });

  it('401: names COOLIFY_TOKEN and changes nothing', async () => {
    const run = await scenario({ tokens: { 'some-other-token': ['root'] } });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/rejected the token \(401\).*COOLIFY_TOKEN/);
    expect(mutations(run.standIn)).toEqual([]);
  });

  it('403 without read: names the missing ability before changing anything', async () => {
    const run = await scenario({ tokens: { [TOKEN]: ['deploy', 'write'] } });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/lacks the 'read' ability/);
    expect(mutations(run.standIn)).toEqual([]);
  });

  it('403 without deploy: restores the previous tag so nothing unverified is left configured', async () => {
    const run = await scenario({ tokens: { [TOKEN]: ['read', 'write'] } });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/lacks the 'deploy' ability/);
    expect(run.standIn.tag()).toBe(`sha-${run.previous}`);
    expect(run.standIn.deployments()).toEqual([]);
  });

  it('404: says the application UUID is wrong', async () => {
    const run = await scenario({}, { COOLIFY_APP_UUID: 'does0not0exist' });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/no application does0not0exist: check COOLIFY_APP_UUID/);
  });

  it('429 then success: waits as long as Retry-After says, then deploys', async () => {
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
    expect(run.code).toBe(0);
    const [limited, accepted] = calls(run.standIn, 'POST', '/api/v1/deploy');
    expect(accepted && limited && accepted.at - limited.at).toBeGreaterThanOrEqual(950);
    expect(run.output).toMatch(/rate-limited .*waiting 1\.0 s/);
  });

  it('500 twice then success: retries with backoff', async () => {
    const run = await scenario({
      faults: [{ method: 'GET', path: /^\/api\/v1\/deployments\//, status: 500, times: 2 }],
    });
    expect(run.code).toBe(0);
    expect(run.output.match(/answered GET \/deployments\/\w+ with 500; retrying/g)).toHaveLength(2);
  });

  it('500 for good: gives up after the bounded retries and rolls back', async () => {
    const run = await scenario(
      { faults: [{ method: 'GET', path: /^\/api\/v1\/deployments\//, status: 503, times: 99 }] },
      { COOLIFY_RETRIES: '2' },
    );
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/with 503 \("Server Error"\) 3 times: check the Coolify server/);
    expect(run.output).toContain('rolling back');
  });

  it('Coolify unreachable: bounded retries, then one line naming COOLIFY_URL', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const run = await scenario({}, { COOLIFY_URL: closed, COOLIFY_RETRIES: '2' });
    expect(run.code).toBe(1);
    expect(
      run.output.match(/did not answer GET \/applications\/\w+ \(ECONNREFUSED\); retrying/g),
    ).toHaveLength(2);
    expect(run.output).toMatch(/after 3 attempts: check COOLIFY_URL/);
  });

  it('timeout: a deployment that never finishes is cancelled and the previous tag redeployed', async () => {
    const run = await scenario(
      ({ next }) => ({ outcome: (tag) => (tag === `sha-${next}` ? 'stuck' : 'finished') }),
      { DEPLOY_TIMEOUT_MS: '600' },
    );
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/was still in_progress after 0\.6 s/);
    expect(run.standIn.deployments().map((d) => d.status)).toEqual([
      'cancelled-by-user',
      'finished',
    ]);
    expect(run.standIn.liveVersion()).toBe(run.previous);
  });

  it('first deploy (nothing live yet): no rollback target, says so', async () => {
    const run = await scenario({ liveSha: undefined, outcome: () => 'failed' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('no rollback: nothing reported a version before this deploy');
  });
});
