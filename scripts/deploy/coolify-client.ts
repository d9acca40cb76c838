// ~380 lines: every Coolify API call the deploy makes, each with its zod answer schema and the
// one-line fix for its failures (401, 403 abilities, 422 fields, 429, timeouts); splitting them
// would scatter the retry and error policy they share.
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

/** Token abilities Coolify checks per route (routes/api.php). */
export type Ability = 'read' | 'write' | 'deploy';

/** An expected failure: `message` is one line that says what to do. Never contains the token. */
export class CoolifyError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CoolifyError';
  }
}

export type CoolifyClientOptions = {
  baseUrl: string;
  token: string;
  /** Extra attempts after the first for 5xx, network errors and 429. */
  retries: number;
  retryBaseMs: number;
  maxRetryAfterMs: number;
  requestTimeoutMs: number;
  log: (line: string) => void;
};

type RequestSpec<T extends z.ZodType> = {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
  schema: T;
  /** The ability this route needs, named in the 403 message. */
  ability: Ability;
  /** What a 404 means for this route, with the fix. */
  notFound: string;
};

/** A 404 that the caller handles itself (a deployment Coolify never saved). */
class NotFound extends Error {}

const messageBody = z.object({ message: z.string() }).partial();

export const applicationSchema = z
  .object({
    uuid: z.string(),
    name: z.string().nullish(),
    build_pack: z.string().nullish(),
    docker_registry_image_name: z.string().nullish(),
    docker_registry_image_tag: z.string().nullish(),
  })
  .loose(); // coolify-setup compares further settings (health checks, ports)

const envListSchema = z.array(z.object({ key: z.string(), value: z.string().nullish() }));

export const deploymentStatus = z.enum([
  'queued',
  'in_progress',
  'finished',
  'failed',
  'cancelled-by-user',
]);
export type DeploymentStatus = z.output<typeof deploymentStatus>;

export const deploymentSchema = z.object({
  deployment_uuid: z.string(),
  status: deploymentStatus,
  docker_registry_image_tag: z.string().nullish(),
  deployment_url: z.string().nullish(),
});
export type Deployment = z.output<typeof deploymentSchema>;

// GET /deployments/applications/{uuid}: what the controller returns (the OpenAPI file differs).
const appDeploymentsSchema = z.object({ deployments: z.array(deploymentSchema) });

const deployResponseSchema = z.object({
  deployments: z.array(
    z.object({
      message: z.string().nullish(),
      resource_uuid: z.string().nullish(),
      deployment_uuid: z.string().nullish(),
    }),
  ),
});

/**
 * The few Coolify v4 API calls the deploy needs. Every response is validated; every failure
 * becomes a CoolifyError whose message names the fix (the missing ability, the wrong UUID…).
 */
export function createCoolifyClient(options: CoolifyClientOptions) {
  const host = new URL(options.baseUrl).host;

  async function request<T extends z.ZodType>(spec: RequestSpec<T>): Promise<z.output<T>> {
    const what = `${spec.method} ${spec.path}`;
    for (let attempt = 0; ; attempt++) {
      const retriesLeft = options.retries - attempt;
      let response: Response;
      try {
        response = await fetch(`${options.baseUrl}/api/v1${spec.path}`, {
          method: spec.method,
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: 'application/json',
            ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          signal: AbortSignal.timeout(options.requestTimeoutMs),
        });
      } catch (error) {
        const reason = networkReason(error);
        if (retriesLeft <= 0) {
          throw new CoolifyError(
            `Coolify at ${host} did not answer ${what} (${reason}) after ${times(attempt + 1, 'attempt')}: check COOLIFY_URL and that the server is up`,
          );
        }
        const wait = backoff(attempt);
        options.log(`Coolify did not answer ${what} (${reason}); retrying in ${seconds(wait)}`);
        await sleep(wait);
        continue;
      }

      if (response.ok) return parseBody(response, spec.schema, what);

      const serverBody: unknown = await response.json().catch(() => undefined);
      const serverMessage = messageBody.safeParse(serverBody).data?.message;
      const said = serverMessage ? ` ("${serverMessage.slice(0, 200)}")` : '';

      if (response.status === 429) {
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoff(attempt);
        if (retriesLeft <= 0 || wait > options.maxRetryAfterMs) {
          throw new CoolifyError(
            `Coolify is rate-limiting ${what} (429, retry after ${seconds(wait)}): wait and run the deploy again`,
            429,
          );
        }
        options.log(`Coolify rate-limited ${what} (429); waiting ${seconds(wait)} as it asked`);
        await sleep(wait);
        continue;
      }
      if (response.status >= 500) {
        if (retriesLeft <= 0) {
          throw new CoolifyError(
            `Coolify answered ${what} with ${response.status}${said} ${times(attempt + 1, 'time')}: check the Coolify server's logs`,
            response.status,
          );
        }
        const wait = backoff(attempt);
        options.log(
          `Coolify answered ${what} with ${response.status}; retrying in ${seconds(wait)}`,
        );
        await sleep(wait);
        continue;
      }
      if (response.status === 404 && spec.notFound === '') throw new NotFound();
      throw new CoolifyError(
        clientErrorMessage(response.status, spec, serverMessage, body422(serverBody)),
        response.status,
      );
    }
  }

  function backoff(attempt: number): number {
    // Exponential with jitter so parallel deploys do not retry in lockstep.
    const base = options.retryBaseMs * 2 ** attempt;
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  const app = (uuid: string) => `/applications/${encodeURIComponent(uuid)}`;
  const noApp = (uuid: string) =>
    `Coolify has no application ${uuid}: check COOLIFY_WEB_UUID / COOLIFY_WORKER_UUIDS (the UUID in the resource's URL)`;

  return {
    /** The dashboard's base URL: deployment_url is a path on it. */
    baseUrl: options.baseUrl,

    getApplication: (appUuid: string) =>
      request({
        method: 'GET',
        path: app(appUuid),
        schema: applicationSchema,
        ability: 'read',
        notFound: noApp(appUuid),
      }),

    /** Settings of an application: the image tag Coolify pulls, health checks, the image name. */
    updateApplication: (appUuid: string, fields: Record<string, string | number | boolean>) =>
      request({
        method: 'PATCH',
        path: app(appUuid),
        body: fields,
        schema: z.unknown(),
        ability: 'write',
        notFound: noApp(appUuid),
      }),

    listEnvs: (appUuid: string) =>
      request({
        method: 'GET',
        path: `${app(appUuid)}/envs`,
        schema: envListSchema,
        ability: 'read',
        notFound: noApp(appUuid),
      }),

    /** Coolify creates a variable only on POST; PATCH answers 404 for one that does not exist. */
    createEnv: (appUuid: string, key: string, value: string) =>
      request({
        method: 'POST',
        path: `${app(appUuid)}/envs`,
        body: { key, value },
        schema: z.unknown(),
        ability: 'write',
        notFound: noApp(appUuid),
      }),

    updateEnv: (appUuid: string, key: string, value: string) =>
      request({
        method: 'PATCH',
        path: `${app(appUuid)}/envs`,
        body: { key, value },
        schema: z.unknown(),
        ability: 'write',
        notFound: `the application ${appUuid} has no variable ${key}: run 'make coolify-setup' (it creates every variable the apps need)`,
      }),

    /**
     * Queues a deployment and returns the UUID Coolify answered. That UUID may never have been
     * saved: when the application already has a deployment queued or running, Coolify skips the
     * new one but still answers a fresh UUID (see findDeployment).
     */
    deploy: async (appUuid: string): Promise<string> => {
      const body = await request({
        method: 'POST',
        path: `/deploy?uuid=${encodeURIComponent(appUuid)}&force=false`,
        schema: deployResponseSchema,
        ability: 'deploy',
        notFound: `Coolify found nothing to deploy for ${appUuid}: check the application UUIDs`,
      });
      const entry =
        body.deployments.find((d) => d.resource_uuid === appUuid) ?? body.deployments[0];
      if (entry?.deployment_uuid) return entry.deployment_uuid;
      if (entry?.message?.startsWith('Unauthorized')) {
        throw new CoolifyError(
          `Coolify did not deploy ${appUuid} ("${entry.message}"): the token's user may not deploy this resource; create the token as an admin or owner of the team that owns it`,
        );
      }
      // Services (one-click, "Docker Compose Empty") are started without a trackable deployment.
      throw new CoolifyError(
        `Coolify queued no trackable deployment for ${appUuid} (it is probably a Service): create it as a Docker Image application (docs/deploy.md)`,
      );
    },

    /** The deployment, or undefined when Coolify has no such deployment (a skipped one). */
    findDeployment: async (deploymentUuid: string): Promise<Deployment | undefined> => {
      try {
        return await request({
          method: 'GET',
          path: `/deployments/${encodeURIComponent(deploymentUuid)}`,
          schema: deploymentSchema,
          ability: 'read',
          notFound: '',
        });
      } catch (error) {
        if (error instanceof NotFound) return undefined;
        throw error;
      }
    },

    /** The application's latest deployments, newest first. */
    listDeployments: async (appUuid: string): Promise<Deployment[]> =>
      (
        await request({
          method: 'GET',
          path: `/deployments/applications/${encodeURIComponent(appUuid)}?skip=0&take=10`,
          schema: appDeploymentsSchema,
          ability: 'read',
          notFound: noApp(appUuid),
        })
      ).deployments,

    cancelDeployment: (deploymentUuid: string) =>
      request({
        method: 'POST',
        path: `/deployments/${encodeURIComponent(deploymentUuid)}/cancel`,
        schema: z.unknown(),
        ability: 'deploy',
        notFound: `Coolify has no deployment ${deploymentUuid}`,
      }),
  };
}

export type CoolifyClient = ReturnType<typeof createCoolifyClient>;

const tokenFix =
  'create a token as a team admin or owner with read, write and deploy (ticking deploy clears the others: tick them again)';

/** One line per failure Coolify can answer, each with its own fix (messages from its middleware). */
export function clientErrorMessage(
  status: number,
  spec: Pick<RequestSpec<z.ZodType>, 'method' | 'path' | 'ability' | 'notFound'>,
  message: string | undefined,
  fields?: string,
): string {
  const what = `${spec.method} ${spec.path}`;
  const said = message ? ` ("${message.slice(0, 160)}")` : '';
  if (status === 401) {
    return `Coolify rejected the token (401) on ${what}: set COOLIFY_TOKEN to a valid API token (Keys & Tokens › API tokens)`;
  }
  if (status === 403 && message === 'API is disabled.') {
    return `Coolify's API is disabled (403): enable it in Settings › Advanced › API Access, then run the deploy again`;
  }
  if (status === 403 && message === 'You are not allowed to access the API.') {
    return `Coolify's API allowlist does not include this machine's address (403): GitHub-hosted runners change addresses, so empty Settings › Advanced › Allowed IPs and rely on the token over HTTPS, or deploy from a runner whose address is listed (docs/deploy.md › The API endpoint)`;
  }
  if (status === 403 && message?.includes('team member')) {
    return `the token belongs to a team member, and Coolify lets members' tokens only read (403): ${tokenFix}`;
  }
  if (status === 403) {
    return `the Coolify token lacks the '${spec.ability}' ability for ${what} (403${said ? `,${said}` : ''}): ${tokenFix}`;
  }
  if (status === 404) return `${spec.notFound} (404)`;
  if (status === 422) {
    return `Coolify rejected the fields of ${what} (422${fields ? `: ${fields}` : ''}): this Coolify version does not accept them; update Coolify or report it`;
  }
  return `Coolify refused ${what} with ${status}${said}`;
}

function body422(body: unknown): string | undefined {
  const errors = z.object({ errors: z.record(z.string(), z.unknown()) }).safeParse(body)
    .data?.errors;
  return errors ? Object.keys(errors).join(', ') : undefined;
}

/** Seconds (the usual form) or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

async function parseBody<T extends z.ZodType>(
  response: Response,
  schema: T,
  what: string,
): Promise<z.output<T>> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new CoolifyError(
      `Coolify answered ${what} with something that is not JSON: is COOLIFY_URL the Coolify dashboard URL?`,
    );
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CoolifyError(
    `Coolify's answer to ${what} has an unexpected shape (${issue?.path.join('.') || 'body'}: ${issue?.message}): is this Coolify v4?`,
  );
}

function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  // fetch wraps the interesting part ("ECONNREFUSED", "bad port") in `cause`.
  const cause =
    error instanceof Error
      ? (error.cause as { code?: string; message?: string } | undefined)
      : undefined;
  return (
    cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : 'network error')
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

const times = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
