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

const messageBody = z.object({ message: z.string() }).partial();

export const applicationSchema = z.object({
  uuid: z.string(),
  name: z.string().nullish(),
  build_pack: z.string().nullish(),
});

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
  deployment_url: z.string().nullish(),
});

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

      const serverMessage = await response
        .json()
        .then((body) => messageBody.safeParse(body).data?.message)
        .catch(() => undefined);
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
      throw new CoolifyError(clientErrorMessage(response.status, spec, said), response.status);
    }
  }

  function backoff(attempt: number): number {
    // Exponential with jitter so parallel deploys do not retry in lockstep.
    const base = options.retryBaseMs * 2 ** attempt;
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  return {
    getApplication: (appUuid: string) =>
      request({
        method: 'GET',
        path: `/applications/${encodeURIComponent(appUuid)}`,
        schema: applicationSchema,
        ability: 'read',
        notFound: `Coolify has no application ${appUuid}: check COOLIFY_APP_UUID (the UUID in the resource's URL)`,
      }),

    /** Docker Image resources: the tag Coolify pulls. */
    setImageTag: (appUuid: string, tag: string) =>
      request({
        method: 'PATCH',
        path: `/applications/${encodeURIComponent(appUuid)}`,
        body: { docker_registry_image_tag: tag },
        schema: z.unknown(),
        ability: 'write',
        notFound: `Coolify has no application ${appUuid}: check COOLIFY_APP_UUID`,
      }),

    /** Docker Compose resources: the variable the compose file interpolates into image names. */
    setEnv: (appUuid: string, key: string, value: string) =>
      request({
        method: 'PATCH',
        path: `/applications/${encodeURIComponent(appUuid)}/envs`,
        body: { key, value },
        schema: z.unknown(),
        ability: 'write',
        notFound: `the resource has no environment variable ${key}: deploy docker-compose.prod.yml once from the Coolify UI so it picks up \${${key}}, or set COOLIFY_TAG_VARIABLE`,
      }),

    /** Queues a deployment and returns its UUID. */
    deploy: async (appUuid: string): Promise<string> => {
      const body = await request({
        method: 'POST',
        path: `/deploy?uuid=${encodeURIComponent(appUuid)}&force=false`,
        schema: deployResponseSchema,
        ability: 'deploy',
        notFound: `Coolify found nothing to deploy for ${appUuid}: check COOLIFY_APP_UUID`,
      });
      const uuid = body.deployments.find((d) => d.deployment_uuid)?.deployment_uuid;
      if (uuid) return uuid;
      // Services (one-click, "Docker Compose Empty") are started without a trackable deployment.
      throw new CoolifyError(
        `Coolify queued no trackable deployment for ${appUuid} (it is probably a Service): create the resource as an Application with the Docker Compose build pack (docs/deploy.md)`,
      );
    },

    getDeployment: (deploymentUuid: string) =>
      request({
        method: 'GET',
        path: `/deployments/${encodeURIComponent(deploymentUuid)}`,
        schema: deploymentSchema,
        ability: 'read',
        notFound: `Coolify has no deployment ${deploymentUuid}: it may have been deleted from the queue`,
      }),

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

function clientErrorMessage(status: number, spec: RequestSpec<z.ZodType>, said: string): string {
  const what = `${spec.method} ${spec.path}`;
  if (status === 401) {
    return `Coolify rejected the token (401) on ${what}: set COOLIFY_TOKEN to a valid API token (Keys & Tokens › API tokens; API access enabled in Settings › Advanced)`;
  }
  if (status === 403) {
    return `the Coolify token lacks the '${spec.ability}' ability for ${what} (403${said ? `,${said}` : ''}): create a token with read, write and deploy (ticking deploy clears the others: tick them again)`;
  }
  if (status === 404) return `${spec.notFound} (404)`;
  return `Coolify refused ${what} with ${status}${said}`;
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
