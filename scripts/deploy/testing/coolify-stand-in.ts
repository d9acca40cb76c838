// ~700 lines, one file on purpose: it models one server (Coolify's middleware, controllers,
// resources and deployments share its state), and scripts/deploy/coolify-contract.test.ts checks
// every route here against Coolify's OpenAPI file, which is easiest to review in one place.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A loopback stand-in for the Coolify v4 API the deploy uses, modelled on Coolify's source (not
 * only its OpenAPI file): the middleware order of routes/api.php (ApiAllowed: "API is disabled.",
 * the IP allowlist; Sanctum: 401; ApiAbility: team members' tokens, missing abilities), the
 * controllers' own checks (Content-Type must be JSON, unknown fields are 422), environment
 * variables that exist only once created, `queue_application_deployment` answering `skipped`
 * while the controller still hands out a fresh, never-saved deployment_uuid, the 200 without a
 * uuid for a user who may not deploy, and `deployment_url` as a path.
 *
 * What a deployment does is the `runtime`'s business: the default one keeps a fake app whose
 * /api/health follows the deployments, with Coolify's two behaviours: a rolling update for an
 * application (new container healthy, then the old one stops) and stop-everything-then-up for a
 * Docker Compose resource. The zero-downtime test plugs in real containers instead.
 */

export type Ability = 'read' | 'write' | 'deploy' | 'root' | 'read:sensitive';
export type Outcome = 'finished' | 'failed' | 'stuck';
export type BuildPack = 'dockerimage' | 'dockercompose' | 'nixpacks';

export type Fault = {
  method: string;
  /** Matched against the path without the query string, e.g. /api/v1/deploy. */
  path: RegExp;
  status: number;
  times: number;
  retryAfterSeconds?: number;
};

export type AppSpec = {
  uuid: string;
  name: string;
  buildPack?: BuildPack;
  /** docker_registry_image_tag before the test; undefined = never deployed. */
  tag?: string;
  imageName?: string;
  /** Environment variables that already exist on the resource. */
  envs?: Record<string, string>;
  /** Whether the app's public URL is served by the fake app (the web application). */
  serves?: boolean;
};

/** Runs one deployment of `app` at `tag`; resolves with how it ended. */
export type Runtime = {
  deploy: (app: AppState, tag: string, signal: AbortSignal) => Promise<'finished' | 'failed'>;
  close?: () => Promise<void>;
};

export type StandInOptions = {
  /** token → abilities and whether its user is an admin of the team (members: read only). */
  tokens: Record<string, { abilities: Ability[]; admin?: boolean }>;
  apps: AppSpec[];
  /** Settings › Advanced › API Access. Default true. */
  apiEnabled?: boolean;
  /** Settings › Advanced › Allowed IPs (empty = everyone). The test client is 127.0.0.1. */
  allowedIps?: string[];
  /** Apps whose deploy the token's user may not trigger (the policy check in deploy_resource). */
  deployForbidden?: string[];
  /** How a deployment of a given tag ends in the default runtime. Default: finished. */
  outcome?: (tag: string, app: string) => Outcome;
  /** How long one deployment runs in the default runtime. */
  deployMs?: number;
  /** A deployment already running for this app when the test starts (a UI click, a webhook). */
  busy?: { app: string; ms: number; on?: RegExp };
  /** Replaces the default runtime (the zero-downtime test drives real containers). */
  runtime?: Runtime;
  faults?: Fault[];
};

export type Exchange = {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
};

export type DeploymentStatus =
  | 'queued'
  | 'in_progress'
  | 'finished'
  | 'failed'
  | 'cancelled-by-user';

type Deployment = {
  id: number;
  deployment_uuid: string;
  app: string;
  status: DeploymentStatus;
  docker_registry_image_tag: string;
  created_at: string;
  updated_at: string;
  abort: AbortController;
};

export type AppState = {
  uuid: string;
  name: string;
  buildPack: BuildPack;
  tag: string | undefined;
  imageName: string;
  envs: Map<string, { uuid: string; value: string }>;
  settings: Record<string, unknown>;
  /** Tag of the containers serving now (default runtime); undefined while none serves. */
  serving: string | undefined;
  serves: boolean;
};

export type StandIn = {
  coolifyUrl: string;
  /** The fake app's URL (default runtime): /api/health answers with the serving version. */
  appUrl: string;
  exchanges: Exchange[];
  app: (uuid: string) => AppState;
  deployments: () => Array<Omit<Deployment, 'abort'>>;
  close: () => Promise<void>;
};

type Route = {
  method: string;
  path: RegExp;
  abilities: Ability[];
  handler: (ctx: Ctx) => Promise<Reply> | Reply;
};
type Ctx = {
  params: string[];
  query: URLSearchParams;
  body: unknown;
  headers: IncomingMessage['headers'];
};
type Reply = { status: number; body: unknown; headers?: Record<string, string> };

const reply = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  ...(headers ? { headers } : {}),
});

// The fields PATCH /applications/{uuid} accepts that this project uses; anything else is 422 as
// in ApplicationsController::update_by_uuid (its $allowedFields list is much longer).
const patchableFields = new Set([
  'docker_registry_image_name',
  'docker_registry_image_tag',
  'health_check_enabled',
  'health_check_path',
  'health_check_port',
  'health_check_interval',
  'health_check_timeout',
  'health_check_retries',
  'health_check_start_period',
  'ports_exposes',
  'name',
]);
const envFields = new Set([
  'key',
  'value',
  'is_preview',
  'is_literal',
  'is_multiline',
  'is_shown_once',
]);

export async function startCoolifyStandIn(options: StandInOptions): Promise<StandIn> {
  const faults = (options.faults ?? []).map((f) => ({ ...f }));
  const exchanges: Exchange[] = [];
  const deployments = new Map<string, Deployment>();
  let nextId = 1;
  const apps = new Map<string, AppState>(
    options.apps.map((spec) => [
      spec.uuid,
      {
        uuid: spec.uuid,
        name: spec.name,
        buildPack: spec.buildPack ?? 'dockerimage',
        tag: spec.tag,
        imageName: spec.imageName ?? `ghcr.io/owner/repo/${spec.name}`,
        envs: new Map(
          Object.entries(spec.envs ?? {}).map(([key, value]) => [key, { uuid: cuid(), value }]),
        ),
        settings: {},
        serving: spec.tag,
        serves: spec.serves ?? false,
      },
    ]),
  );
  const deployMs = options.deployMs ?? 60;
  const runtime: Runtime = options.runtime ?? fakeRuntime(options, deployMs);

  const applicationJson = (app: AppState) => ({
    uuid: app.uuid,
    name: app.name,
    build_pack: app.buildPack,
    docker_registry_image_name: app.imageName,
    docker_registry_image_tag: app.tag ?? null,
    status: app.serving ? 'running:healthy' : 'exited',
    ...app.settings,
  });

  function queue(app: AppState): { uuid: string; saved: boolean } {
    // queue_application_deployment: one queued or running deployment per application and commit;
    // a Docker Image application's commit is always HEAD, so any second deploy is `skipped`.
    const active = [...deployments.values()].some(
      (d) => d.app === app.uuid && (d.status === 'queued' || d.status === 'in_progress'),
    );
    const uuid = cuid();
    if (active) return { uuid, saved: false };
    const now = new Date().toISOString();
    const deployment: Deployment = {
      id: nextId++,
      deployment_uuid: uuid,
      app: app.uuid,
      status: 'queued',
      // The job reads the tag from the application when it starts, as ApplicationDeploymentJob does.
      docker_registry_image_tag: app.tag ?? 'latest',
      created_at: now,
      updated_at: now,
      abort: new AbortController(),
    };
    deployments.set(uuid, deployment);
    void run(deployment, app);
    return { uuid, saved: true };
  }

  async function run(deployment: Deployment, app: AppState) {
    await sleep(5);
    if (deployment.status !== 'queued') return;
    deployment.status = 'in_progress';
    deployment.docker_registry_image_tag = app.tag ?? 'latest';
    touch(deployment);
    const ended = await runtime
      .deploy(app, deployment.docker_registry_image_tag, deployment.abort.signal)
      .catch(() => 'failed' as const);
    if (deployment.status !== 'in_progress') return; // cancelled meanwhile
    deployment.status = ended;
    touch(deployment);
  }

  const routes: Route[] = [
    {
      method: 'GET',
      path: /^\/api\/v1\/applications\/([^/]+)$/,
      abilities: ['read'],
      handler: ({ params }) => {
        const app = apps.get(params[0] ?? '');
        return app
          ? reply(200, applicationJson(app))
          : reply(404, { message: 'Application not found.' });
      },
    },
    {
      method: 'PATCH',
      path: /^\/api\/v1\/applications\/([^/]+)$/,
      abilities: ['write'],
      handler: ({ params, body }) => {
        const app = apps.get(params[0] ?? '');
        if (!app) return reply(404, { message: 'Application not found.' });
        const fields = body as Record<string, unknown>;
        const extra = Object.keys(fields).filter((key) => !patchableFields.has(key));
        if (extra.length > 0) return notAllowed(extra);
        for (const [key, value] of Object.entries(fields)) {
          if (key === 'docker_registry_image_tag') app.tag = String(value);
          else if (key === 'docker_registry_image_name') app.imageName = String(value);
          else app.settings[key] = value;
        }
        return reply(200, { uuid: app.uuid });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v1\/applications\/([^/]+)\/envs$/,
      abilities: ['read'],
      handler: ({ params }) => {
        const app = apps.get(params[0] ?? '');
        if (!app) return reply(404, { message: 'Application not found.' });
        return reply(
          200,
          [...app.envs].map(([key, env]) => environmentVariable(key, env.uuid, env.value)),
        );
      },
    },
    {
      method: 'POST',
      path: /^\/api\/v1\/applications\/([^/]+)\/envs$/,
      abilities: ['write'],
      handler: ({ params, body }) => {
        const app = apps.get(params[0] ?? '');
        if (!app) return reply(404, { message: 'Application not found.' });
        const fields = body as Record<string, unknown>;
        const bad = envProblems(fields);
        if (bad) return bad;
        const key = String(fields.key);
        if (app.envs.has(key)) {
          return reply(409, {
            message: `Environment variable ${key} already exists. Use PATCH request to update it.`,
          });
        }
        const uuid = cuid();
        app.envs.set(key, { uuid, value: String(fields.value) });
        return reply(201, { uuid });
      },
    },
    {
      method: 'PATCH',
      path: /^\/api\/v1\/applications\/([^/]+)\/envs$/,
      abilities: ['write'],
      handler: ({ params, body }) => {
        const app = apps.get(params[0] ?? '');
        if (!app) return reply(404, { message: 'Application not found.' });
        const fields = body as Record<string, unknown>;
        const bad = envProblems(fields);
        if (bad) return bad;
        const key = String(fields.key);
        const env = app.envs.get(key);
        // Variables exist only once created (UI or POST): PATCH never creates one.
        if (!env) return reply(404, { message: 'Environment variable not found.' });
        env.value = String(fields.value);
        return reply(201, environmentVariable(key, env.uuid, env.value));
      },
    },
    {
      method: 'POST',
      path: /^\/api\/v1\/deploy$/,
      abilities: ['deploy'],
      handler: ({ query }) => {
        // DeployController reads uuid/tag/force from the query string only.
        const uuids = query.get('uuid');
        const tags = query.get('tag');
        if (uuids && tags)
          return reply(400, { message: 'You can only use uuid or tag, not both.' });
        if (!uuids) return reply(400, { message: 'You must provide uuid or tag.' });
        const found: Array<Record<string, string>> = [];
        for (const uuid of uuids.split(',').filter(Boolean)) {
          const app = apps.get(uuid);
          if (!app) continue;
          if (options.deployForbidden?.includes(uuid)) {
            found.push({
              message: 'Unauthorized to deploy this application.',
              resource_uuid: uuid,
            });
            continue;
          }
          const queued = queue(app);
          found.push({
            message: `Application ${app.name} deployment queued.`,
            resource_uuid: uuid,
            deployment_uuid: queued.uuid,
          });
        }
        if (found.length === 0) return reply(404, { message: 'No resources found.' });
        return reply(200, { deployments: found });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v1\/deployments\/applications\/([^/]+)$/,
      abilities: ['read'],
      handler: ({ params, query }) => {
        const app = apps.get(params[0] ?? '');
        if (!app) return reply(404, { message: 'Application not found.' });
        const skip = Number(query.get('skip') ?? 0);
        const take = Number(query.get('take') ?? 10);
        const all = [...deployments.values()].filter((d) => d.app === app.uuid).reverse();
        // The controller answers {count, deployments}, newest first (the OpenAPI file says an
        // array of Application: a documented drift, see coolify-contract.test.ts).
        return reply(200, {
          count: all.length,
          deployments: all.slice(skip, skip + take).map((d) => queueItem(d, app)),
        });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v1\/deployments\/([^/]+)$/,
      abilities: ['read'],
      handler: ({ params }) => {
        const deployment = deployments.get(params[0] ?? '');
        if (!deployment) return reply(404, { message: 'Deployment not found.' });
        return reply(200, queueItem(deployment, apps.get(deployment.app)));
      },
    },
    {
      method: 'POST',
      path: /^\/api\/v1\/deployments\/([^/]+)\/cancel$/,
      abilities: ['deploy'],
      handler: ({ params }) => {
        const deployment = deployments.get(params[0] ?? '');
        if (!deployment) return reply(404, { message: 'Deployment not found.' });
        if (deployment.status !== 'queued' && deployment.status !== 'in_progress') {
          return reply(400, {
            message: `Deployment cannot be cancelled. Current status: ${deployment.status}`,
          });
        }
        deployment.status = 'cancelled-by-user';
        deployment.abort.abort();
        touch(deployment);
        return reply(200, {
          message: 'Deployment cancelled successfully.',
          deployment_uuid: deployment.deployment_uuid,
          status: deployment.status,
        });
      },
    },
  ];

  const coolify = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const result = await handle(req, url, text, body);
    startBusy?.(`${req.method} ${url.pathname}`);
    exchanges.push({
      at: Date.now(),
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([key, value]) => [key, String(value)]),
      ),
      body,
      status: result.status,
      response: result.body,
    });
    send(res, result.status, result.body, result.headers);
  });

  async function handle(
    req: IncomingMessage,
    url: URL,
    text: string,
    body: unknown,
  ): Promise<Reply> {
    const method = req.method ?? 'GET';
    const match = routes
      .map((route) => ({
        route,
        found: route.method === method ? route.path.exec(url.pathname) : null,
      }))
      .find((m) => m.found);
    if (!match?.found) return reply(404, { message: 'Not found.' });

    // ApiAllowed (a `success: true` beside a 403 is what Coolify sends).
    if (options.apiEnabled === false) {
      return reply(403, { success: true, message: 'API is disabled.' });
    }
    const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (options.allowedIps?.length && !options.allowedIps.includes(ip)) {
      return reply(403, { success: true, message: 'You are not allowed to access the API.' });
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const holder = token ? options.tokens[token] : undefined;
    if (!holder) return reply(401, { message: 'Unauthenticated.' });
    // ApiAbility: a team member's token may hold nothing beyond read.
    const memberDisallowed = holder.abilities.filter((a) => a !== 'read');
    if (!holder.admin && memberDisallowed.length > 0) {
      return reply(403, {
        message: `This API token has permissions (${memberDisallowed.join(', ')}) that exceed your current role as a team member. Members are restricted to read-only API access. Please revoke this token and create a new one with only read permissions.`,
      });
    }
    if (
      !holder.abilities.includes('root') &&
      !match.route.abilities.some((a) => holder.abilities.includes(a))
    ) {
      return reply(403, {
        message: `Missing required permissions: ${match.route.abilities.join(', ')}`,
      });
    }

    const fault = faults.find(
      (f) => f.times > 0 && f.method === method && f.path.test(url.pathname),
    );
    if (fault) {
      fault.times -= 1;
      const headers =
        fault.retryAfterSeconds === undefined
          ? undefined
          : { 'retry-after': String(fault.retryAfterSeconds) };
      return reply(
        fault.status,
        { message: fault.status === 429 ? 'Too Many Requests' : 'Server Error' },
        headers,
      );
    }

    // validateIncomingRequest: bodies must be declared JSON and parse as JSON.
    if (method === 'POST' || method === 'PATCH') {
      const hasBody = text !== '';
      if (
        hasBody ||
        url.pathname.endsWith('/envs') ||
        /\/applications\/[^/]+$/.test(url.pathname)
      ) {
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          return reply(400, { message: 'Content-Type must be application/json.' });
        }
        if (typeof body !== 'object' || body === null) {
          return reply(400, { message: 'Invalid JSON.' });
        }
      }
    }
    return match.route.handler({
      params: match.found.slice(1),
      query: url.searchParams,
      body,
      headers: req.headers,
    });
  }

  function queueItem(d: Deployment, app: AppState | undefined) {
    return {
      id: d.id,
      application_id: String(d.id),
      deployment_uuid: d.deployment_uuid,
      pull_request_id: 0,
      docker_registry_image_tag: d.docker_registry_image_tag,
      force_rebuild: false,
      commit: 'HEAD',
      status: d.status,
      is_webhook: false,
      is_api: true,
      created_at: d.created_at,
      updated_at: d.updated_at,
      restart_only: false,
      server_id: 0,
      application_name: app?.name ?? 'app',
      server_name: 'localhost',
      // A path on the dashboard, not a URL (ApplicationDeploymentQueue::deployment_url).
      deployment_url: `/project/p0/environment/e0/application/${d.app}/deployment/${d.deployment_uuid}`,
      only_this_server: false,
      rollback: false,
    };
  }

  // A busy application: someone starts a deployment of it (a UI click, a webhook) just as the
  // command begins, i.e. on the first API request that names it; it runs `ms` longer than usual.
  let startBusy: ((request: string) => void) | undefined;
  if (options.busy) {
    const { app: busyUuid, ms } = options.busy;
    const originalDeploy = runtime.deploy;
    let held = false;
    runtime.deploy = async (a, tag, signal) => {
      if (!held && a.uuid === busyUuid) {
        held = true;
        await sleep(ms, undefined, { signal }).catch(() => {});
      }
      return originalDeploy(a, tag, signal);
    };
    const trigger = options.busy.on ?? new RegExp(busyUuid);
    startBusy = (request) => {
      const app = apps.get(busyUuid);
      if (!app || !trigger.test(request)) return;
      startBusy = undefined;
      queue(app);
    };
  }

  const fakeApp = createServer((req, res) => {
    if (req.url !== '/api/health') return send(res, 404, { error: { code: 'not_found' } });
    const web = [...apps.values()].find((a) => a.serves);
    const version = web?.serving?.replace(/^sha-/, '');
    // What Coolify's proxy answers while no container of the app runs.
    if (!version) return send(res, 502, 'Bad Gateway');
    send(res, 200, { status: 'ok', version, checks: { db: 'ok', redis: 'ok' } });
  });

  const coolifyUrl = await listen(coolify);
  const appUrl = await listen(fakeApp);
  return {
    coolifyUrl,
    appUrl,
    exchanges,
    app: (uuid) => {
      const app = apps.get(uuid);
      if (!app) throw new Error(`no app ${uuid}`);
      return app;
    },
    deployments: () => [...deployments.values()].map(({ abort: _abort, ...rest }) => rest),
    close: async () => {
      for (const d of deployments.values()) d.abort.abort();
      coolify.closeAllConnections();
      fakeApp.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => coolify.close(resolve)),
        new Promise((resolve) => fakeApp.close(resolve)),
        runtime.close?.(),
      ]);
    },
  };
}

/**
 * Coolify's two ways of replacing containers, on a fake app. Application (rolling update): the
 * new container starts beside the old one; only when it is healthy does the old one stop, and if
 * it never becomes healthy the old one keeps serving and the deployment fails. Docker Compose
 * resource: every old container is stopped first, then `up -d`; a failure leaves nothing running.
 */
function fakeRuntime(options: StandInOptions, deployMs: number): Runtime {
  return {
    deploy: async (app, tag, signal) => {
      const outcome = options.outcome?.(tag, app.uuid) ?? 'finished';
      if (app.buildPack === 'dockercompose') {
        app.serving = undefined;
        await sleep(deployMs, undefined, { signal }).catch(() => {});
        if (outcome === 'stuck')
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
        if (outcome !== 'finished') return 'failed';
        app.serving = tag;
        return 'finished';
      }
      await sleep(deployMs, undefined, { signal }).catch(() => {});
      if (outcome === 'stuck')
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
      if (signal.aborted || outcome !== 'finished') return 'failed';
      app.serving = tag;
      return 'finished';
    },
  };
}

function notAllowed(fields: string[]): Reply {
  return reply(422, {
    message: 'Validation failed.',
    errors: Object.fromEntries(fields.map((field) => [field, ['This field is not allowed.']])),
  });
}

function envProblems(fields: Record<string, unknown>): Reply | undefined {
  const extra = Object.keys(fields).filter((key) => !envFields.has(key));
  if (extra.length > 0) return notAllowed(extra);
  const errors: Record<string, string[]> = {};
  if (typeof fields.key !== 'string' || fields.key === '')
    errors.key = ['The key field is required.'];
  if (typeof fields.value !== 'string') errors.value = ['The value field is required.'];
  if (Object.keys(errors).length > 0) return reply(422, { message: 'Validation failed.', errors });
  return undefined;
}

function environmentVariable(key: string, uuid: string, value: string) {
  const now = new Date().toISOString();
  return {
    id: 1,
    uuid,
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

function touch(d: Deployment) {
  d.updated_at = new Date().toISOString();
}

const cuid = () => randomBytes(12).toString('hex').slice(0, 24);

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

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
