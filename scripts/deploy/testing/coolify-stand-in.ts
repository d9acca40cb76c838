import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the parts of the Coolify v4 API the deploy uses, written from Coolify's
 * OpenAPI description: bearer auth with per-token abilities (routes/api.php), the Application,
 * EnvironmentVariable and ApplicationDeploymentQueue shapes, `{ message }` error bodies, and
 * 429 with Retry-After. Beside it, a fake app whose /api/health version follows the deployments.
 */

export type Ability = 'read' | 'write' | 'deploy' | 'root';
export type Outcome = 'finished' | 'failed' | 'stuck';

export type Fault = {
  method: string;
  /** Matched against the path without the query string, e.g. /api/v1/deploy. */
  path: RegExp;
  status: number;
  times: number;
  retryAfterSeconds?: number;
};

export type StandInOptions = {
  /** token → abilities */
  tokens: Record<string, Ability[]>;
  appUuid: string;
  buildPack?: 'dockercompose' | 'dockerimage' | 'nixpacks';
  tagVariable?: string;
  /** The sha the app runs before the deploy; undefined = the app does not answer yet. */
  liveSha?: string;
  /** How a deployment of a given tag ends. Default: finished. */
  outcome?: (tag: string) => Outcome;
  /** 'stale': the app keeps reporting the version it started with (a release that never comes up). */
  health?: 'follows' | 'stale';
  faults?: Fault[];
  /** Polls spent in each of queued and in_progress. */
  pollsPerStatus?: number;
};

export type RecordedRequest = { at: number; method: string; path: string; body: unknown };

type Deployment = {
  deployment_uuid: string;
  status: 'queued' | 'in_progress' | 'finished' | 'failed' | 'cancelled-by-user';
  docker_registry_image_tag: string;
  polls: number;
  created_at: string;
};

export type StandIn = {
  coolifyUrl: string;
  appUrl: string;
  requests: RecordedRequest[];
  /** The tag currently configured on the resource. */
  tag: () => string | undefined;
  /** The version the fake app reports. */
  liveVersion: () => string | undefined;
  deployments: () => Deployment[];
  close: () => Promise<void>;
};

const routes: Array<{ method: string; path: RegExp; ability: Exclude<Ability, 'root'> }> = [
  { method: 'GET', path: /^\/api\/v1\/applications\/[^/]+$/, ability: 'read' },
  { method: 'PATCH', path: /^\/api\/v1\/applications\/[^/]+$/, ability: 'write' },
  { method: 'PATCH', path: /^\/api\/v1\/applications\/[^/]+\/envs$/, ability: 'write' },
  { method: 'POST', path: /^\/api\/v1\/deploy$/, ability: 'deploy' },
  { method: 'GET', path: /^\/api\/v1\/deployments\/[^/]+$/, ability: 'read' },
  { method: 'POST', path: /^\/api\/v1\/deployments\/[^/]+\/cancel$/, ability: 'deploy' },
];

export async function startCoolifyStandIn(options: StandInOptions): Promise<StandIn> {
  const tagVariable = options.tagVariable ?? 'IMAGE_TAG';
  const pollsPerStatus = options.pollsPerStatus ?? 1;
  const faults = (options.faults ?? []).map((f) => ({ ...f }));
  const requests: RecordedRequest[] = [];
  const deployments = new Map<string, Deployment>();
  let tag = options.liveSha ? `sha-${options.liveSha}` : undefined;
  let running = options.liveSha;
  const initialVersion = options.liveSha;

  const coolify = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readJson(req);
    requests.push({ at: Date.now(), method: req.method ?? '', path: url.pathname, body });

    const route = routes.find((r) => r.method === req.method && r.path.test(url.pathname));
    if (!route) return send(res, 404, { message: 'Not found.' });

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const abilities = token ? options.tokens[token] : undefined;
    if (!abilities) return send(res, 401, { message: 'Unauthenticated.' });
    if (!abilities.includes('root') && !abilities.includes(route.ability)) {
      return send(res, 403, { message: `Missing required permissions: ${route.ability}` });
    }

    const fault = faults.find(
      (f) => f.times > 0 && f.method === req.method && f.path.test(url.pathname),
    );
    if (fault) {
      fault.times -= 1;
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined
          ? {}
          : { 'retry-after': String(fault.retryAfterSeconds) };
      const message = fault.status === 429 ? 'Too Many Requests' : 'Server Error';
      return send(res, fault.status, { message }, headers);
    }

    const segments = url.pathname.split('/').slice(3); // after /api/v1
    const [resource, id, sub] = segments;

    if (resource === 'applications') {
      if (id !== options.appUuid) return send(res, 404, { message: 'Application not found.' });
      if (req.method === 'GET') {
        return send(res, 200, {
          uuid: options.appUuid,
          name: 'app',
          build_pack: options.buildPack ?? 'dockercompose',
          docker_registry_image_tag: options.buildPack === 'dockerimage' ? tag : null,
        });
      }
      const fields = isRecord(body) ? body : {};
      if (sub === 'envs') {
        if (typeof fields.key !== 'string' || typeof fields.value !== 'string') {
          return send(res, 422, {
            message: 'Validation failed.',
            errors: { key: ['The key field is required.'] },
          });
        }
        if (fields.key !== tagVariable) {
          return send(res, 404, { message: 'Environment variable not found.' });
        }
        tag = fields.value;
        return send(res, 201, environmentVariable(fields.key, fields.value));
      }
      if (typeof fields.docker_registry_image_tag === 'string') {
        tag = fields.docker_registry_image_tag;
      }
      return send(res, 200, { uuid: options.appUuid });
    }

    if (resource === 'deploy') {
      const params = { ...(isRecord(body) ? body : {}), ...Object.fromEntries(url.searchParams) };
      const uuids = String(params.uuid ?? '').split(',');
      if (params.uuid && params.tag) {
        return send(res, 400, { message: 'You can only use uuid or tag, not both.' });
      }
      if (!uuids.includes(options.appUuid)) {
        return send(res, 404, { message: 'No resources found.' });
      }
      const deployment: Deployment = {
        deployment_uuid: randomBytes(12).toString('hex'),
        status: 'queued',
        docker_registry_image_tag: tag ?? 'latest',
        polls: 0,
        created_at: new Date().toISOString(),
      };
      deployments.set(deployment.deployment_uuid, deployment);
      return send(res, 200, {
        deployments: [
          {
            message: 'Application app deployment queued.',
            resource_uuid: options.appUuid,
            deployment_uuid: deployment.deployment_uuid,
          },
        ],
      });
    }

    if (resource === 'deployments' && id) {
      const deployment = deployments.get(id);
      if (!deployment) return send(res, 404, { message: 'Deployment not found.' });
      if (sub === 'cancel') {
        if (!['queued', 'in_progress'].includes(deployment.status)) {
          return send(res, 400, {
            message: `Deployment cannot be cancelled. Current status: ${deployment.status}`,
          });
        }
        deployment.status = 'cancelled-by-user';
        return send(res, 200, {
          message: 'Deployment cancelled successfully.',
          deployment_uuid: id,
          status: deployment.status,
        });
      }
      advance(deployment);
      return send(res, 200, deploymentQueueItem(deployment));
    }
    send(res, 404, { message: 'Not found.' });
  });

  /** Each poll moves a deployment along queued → in_progress → its outcome. */
  function advance(deployment: Deployment) {
    if (deployment.status !== 'queued' && deployment.status !== 'in_progress') return;
    deployment.polls += 1;
    if (deployment.polls < pollsPerStatus) return;
    if (deployment.status === 'queued') {
      deployment.status = 'in_progress';
      deployment.polls = 0;
      return;
    }
    const outcome = options.outcome?.(deployment.docker_registry_image_tag) ?? 'finished';
    if (outcome === 'stuck') return;
    deployment.status = outcome;
    if (outcome === 'finished') running = deployment.docker_registry_image_tag.replace(/^sha-/, '');
  }

  const app = createServer((req, res) => {
    if (req.url !== '/api/health') return send(res, 404, { error: { code: 'not_found' } });
    const version = options.health === 'stale' ? initialVersion : running;
    if (!version) return send(res, 502, 'Bad Gateway');
    send(res, 200, { status: 'ok', version, checks: { db: 'ok', redis: 'ok' } });
  });

  const coolifyUrl = await listen(coolify);
  const appUrl = await listen(app);
  return {
    coolifyUrl,
    appUrl,
    requests,
    tag: () => tag,
    liveVersion: () => (options.health === 'stale' ? initialVersion : running),
    deployments: () => [...deployments.values()],
    close: async () => {
      coolify.closeAllConnections();
      app.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => coolify.close(resolve)),
        new Promise((resolve) => app.close(resolve)),
      ]);
    },
  };
}

function deploymentQueueItem(d: Deployment) {
  // The ApplicationDeploymentQueue schema; logs are left out as for a token without read:sensitive.
  return {
    id: 1,
    application_id: '1',
    deployment_uuid: d.deployment_uuid,
    pull_request_id: 0,
    docker_registry_image_tag: d.docker_registry_image_tag,
    force_rebuild: false,
    commit: 'HEAD',
    status: d.status,
    is_webhook: false,
    is_api: true,
    created_at: d.created_at,
    updated_at: new Date().toISOString(),
    restart_only: false,
    server_id: 0,
    application_name: 'app',
    server_name: 'localhost',
    deployment_url: `/project/p/environment/e/application/app/deployment/${d.deployment_uuid}`,
    only_this_server: false,
    rollback: false,
  };
}

function environmentVariable(key: string, value: string) {
  const now = new Date().toISOString();
  return {
    id: 1,
    uuid: 'env0000000000000000000001',
    resourceable_type: 'App\\Models\\Application',
    resourceable_id: 1,
    is_literal: false,
    is_multiline: false,
    is_preview: false,
    is_runtime: true,
    is_buildtime: false,
    is_shared: false,
    is_shown_once: false,
    key,
    value,
    real_value: value,
    comment: null,
    version: '4.0.0',
    created_at: now,
    updated_at: now,
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
