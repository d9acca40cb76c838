import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OpenAPIBackend, type Operation } from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Exchange, startCoolifyStandIn } from './testing/coolify-stand-in.ts';
import { runDeployCommand, runScript } from './testing/run-deploy.ts';
import { requiredEnvs } from './topology.ts';

// Every request the deploy command and coolify-setup send, and every answer the stand-in gives,
// checked against Coolify's own OpenAPI description (testing/coolify-openapi.yaml, vendored from
// coollabsio/coolify openapi.yaml at 379abb25, v4.3.11) with a real validator, so the two cannot drift.

const definition = parse(
  readFileSync(new URL('./testing/coolify-openapi.yaml', import.meta.url), 'utf8'),
);
// quick: the file is OpenAPI 3.1 and openapi-backend's own document check is 3.0-only; the
// schemas themselves are plain JSON Schema that Ajv validates.
const api = new OpenAPIBackend({
  definition,
  quick: true,
  validate: true,
  ajvOpts: { strict: false },
});

/**
 * Where Coolify's code answers differently from its OpenAPI file, the stand-in follows the code.
 * Each drift is listed here (operation and status), with what the source does.
 */
const knownDrift: Record<string, string> = {
  // DeployController::get_application_deployments returns {count, deployments}; the file says an
  // array of Application.
  'list-deployments-by-app-uuid 200': 'the controller answers {count, deployments}',
};
/** Field-level drift: the Application schema's build_pack enum lacks 'dockerimage', which
 * Coolify stores for every Docker Image application (ApplicationsController::create_application). */
const fieldDrift = (operation: Operation, error: { instancePath?: string; keyword?: string }) =>
  operation.operationId === 'get-application-by-uuid' &&
  error.instancePath === '/build_pack' &&
  error.keyword === 'enum';
// Statuses Coolify's middleware and controllers answer that the file leaves undocumented.
const undocumented = new Set([403, 409, 422, 429, 500, 503]);

const TOKEN = `1|${randomBytes(16).toString('hex')}`;
const WEB = 'w0eb0c4wg0kgc4o8w0o8co4c';
const WORKER = 'k8s0c4wg0kgc4o8w0o8co4c0';
const sha = () => randomBytes(20).toString('hex');
const exchanges: Exchange[] = [];

beforeAll(async () => {
  await api.init();
  const previous = sha();
  const next = sha();
  // One stand-in, several runs: setup, a skipped deploy, a failed one with rollback, a good one.
  const standIn = await startCoolifyStandIn({
    tokens: { [TOKEN]: { abilities: ['read', 'write', 'deploy'], admin: true } },
    apps: [
      { uuid: WORKER, name: 'worker', tag: `sha-${previous}`, envs: { NODE_ENV: 'production' } },
      { uuid: WEB, name: 'web', tag: `sha-${previous}`, serves: true },
    ],
    // Someone deploys web while the command waits for the worker: ours is skipped.
    busy: { app: WEB, ms: 600, on: /^GET \/api\/v1\/deployments\// },
    outcome: (tag, app) => (tag === `sha-${next}` && app === WEB ? 'failed' : 'finished'),
  });
  const env = {
    COOLIFY_URL: standIn.coolifyUrl,
    COOLIFY_TOKEN: TOKEN,
    COOLIFY_WEB_UUID: WEB,
    COOLIFY_WORKER_UUIDS: WORKER,
    APP_URL: standIn.appUrl,
  };
  await runDeployCommand({ ...env, DEPLOY_SHA: next }); // variables missing
  await runScript('scripts/deploy/coolify-setup.ts', {
    ...env,
    GHCR_REPOSITORY: 'owner/repo',
    COOLIFY_DATABASE_URL: 'postgres://u:p@db:5432/app',
    COOLIFY_REDIS_URL: 'redis://default:p@redis:6379',
  });
  await runDeployCommand({ ...env, DEPLOY_SHA: next }); // web fails → rollback
  await runDeployCommand({ ...env, DEPLOY_SHA: sha() }); // good
  exchanges.push(...standIn.exchanges);
  await standIn.close();
}, 120_000);

afterAll(() => {});

function operationOf(e: Exchange): Operation {
  const path = e.path.replace(/^\/api\/v1/, '');
  const operation = api.matchOperation({ method: e.method.toLowerCase(), path, headers: {} });
  if (!operation) throw new Error(`${e.method} ${path} is not in Coolify's OpenAPI file`);
  return operation;
}

describe("the deploy's traffic against Coolify's OpenAPI file", () => {
  it('covers every operation the command uses', () => {
    const used = new Set(exchanges.map((e) => operationOf(e).operationId));
    expect([...used].sort()).toEqual(
      [
        'create-env-by-application-uuid',
        'deploy-by-tag-or-uuid',
        'get-application-by-uuid',
        'get-deployment-by-uuid',
        'list-deployments-by-app-uuid',
        'list-envs-by-application-uuid',
        'update-application-by-uuid',
      ].sort(),
    );
    expect(
      exchanges.some((e) => e.status === 404 && e.path.startsWith('/api/v1/deployments/')),
    ).toBe(true);
  });

  it('every request is valid (path, query, headers, body)', () => {
    for (const e of exchanges) {
      const operation = operationOf(e);
      const result = api.validateRequest(
        {
          method: e.method.toLowerCase(),
          path: e.path.replace(/^\/api\/v1/, ''),
          headers: e.headers,
          query: e.query,
          body: e.body,
        },
        operation,
      );
      expect(result.errors ?? [], `${e.method} ${e.path}`).toEqual([]);
      if (e.body !== undefined) expect(e.headers['content-type']).toBe('application/json');
    }
  });

  it('every response is valid, or a listed drift, or an undocumented status', () => {
    for (const e of exchanges) {
      const operation = operationOf(e);
      const key = `${operation.operationId} ${e.status}`;
      if (knownDrift[key]) continue;
      const documented = Object.keys(operation.responses ?? {}).includes(String(e.status));
      if (!documented) {
        expect(undocumented.has(e.status), `${key} is neither documented nor listed`).toBe(true);
        continue;
      }
      const result = api.validateResponse(e.response, operation, e.status);
      const errors = (result.errors ?? []).filter((error) => !fieldDrift(operation, error));
      expect(errors, key).toEqual([]);
    }
  });
});

describe('stand-in answers as Coolify does', () => {
  it('400 without Content-Type: application/json, 422 for a field Coolify does not allow', async () => {
    const standIn = await startCoolifyStandIn({
      tokens: { [TOKEN]: { abilities: ['root'], admin: true } },
      apps: [
        { uuid: WEB, name: 'web', envs: Object.fromEntries(requiredEnvs.web.map((k) => [k, 'x'])) },
      ],
    });
    try {
      const url = `${standIn.coolifyUrl}/api/v1/applications/${WEB}`;
      const auth = { authorization: `Bearer ${TOKEN}` };
      const plain = await fetch(url, {
        method: 'PATCH',
        headers: auth,
        body: '{"docker_registry_image_tag":"x"}',
      });
      expect(plain.status).toBe(400);
      expect(await plain.json()).toEqual({ message: 'Content-Type must be application/json.' });
      const extra = await fetch(url, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ docker_registry_image_tag: 'x', replicas: 2 }),
      });
      expect(extra.status).toBe(422);
      expect(await extra.json()).toMatchObject({
        errors: { replicas: ['This field is not allowed.'] },
      });
      const env = await fetch(`${url}/envs`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'IMAGE_TAG', value: 'sha-x' }),
      });
      expect(env.status).toBe(404); // variables exist only once created
    } finally {
      await standIn.close();
    }
  });

  it.each([
    ['dockerimage', 0],
    ['dockercompose', 1],
  ] as const)(
    '#8: a %s deploy seen by a client polling /api/health: failed requests > 0 only for compose',
    async (buildPack, expectGap) => {
      const standIn = await startCoolifyStandIn({
        tokens: { [TOKEN]: { abilities: ['root'], admin: true } },
        apps: [{ uuid: WEB, name: 'web', buildPack, tag: `sha-${sha()}`, serves: true }],
        deployMs: 300,
      });
      try {
        let failed = 0;
        let polls = 0;
        const deploy = await fetch(`${standIn.coolifyUrl}/api/v1/deploy?uuid=${WEB}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const { deployments } = (await deploy.json()) as {
          deployments: Array<{ deployment_uuid: string }>;
        };
        const uuid = deployments[0]?.deployment_uuid;
        for (let i = 0; i < 200; i++) {
          const health = await fetch(`${standIn.appUrl}/api/health`);
          polls += 1;
          if (!health.ok) failed += 1;
          const d = standIn.deployments().find((x) => x.deployment_uuid === uuid);
          if (d?.status === 'finished') break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(polls).toBeGreaterThan(3);
        expect(failed > 0 ? 1 : 0).toBe(expectGap);
      } finally {
        await standIn.close();
      }
    },
  );
});
