import { loadEnvOrExit, resolveVersion } from '@app/shared/env/node';
import { z } from 'zod';
import { MAX_WORKER_APPS } from './budget.ts';

const loopback = (host: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host);

const httpUrl = (example: string) =>
  z
    .string()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
      message: `expected a URL like ${example}`,
    })
    // Trailing slashes would double up when paths are appended.
    .transform((value) => value.replace(/\/+$/, ''));

/**
 * The token travels in every request: plain http is only accepted to a loopback address (an SSH
 * tunnel, the tests). GitHub's runners reach the dashboard's own domain behind Coolify's proxy.
 */
export const coolifyUrl = httpUrl('https://coolify.example.com').refine(
  (value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || loopback(url.hostname);
  },
  {
    message:
      'must be https:// (the dashboard domain behind Coolify\'s proxy, docs/deploy.md › "The API endpoint"); http:// only to 127.0.0.1 or localhost, e.g. an SSH tunnel',
  },
);

export const uuid = z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected the UUID from the resource URL');

/** Comma-separated worker application UUIDs; the first one runs the migrations. */
export const workerUuids = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(uuid)
      .min(1, 'expected at least one worker application UUID')
      .max(
        MAX_WORKER_APPS,
        `at most ${MAX_WORKER_APPS} worker applications (the job timeout is sized for that)`,
      ),
  );

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** What `make deploy` / `scripts/deploy/main.ts` reads. The workflow sets these from secrets/vars. */
export const deployEnvSchema = z.object({
  COOLIFY_URL: coolifyUrl,
  // Never echoed: parseEnv reports only the variable's name.
  COOLIFY_TOKEN: z.string().min(1),
  COOLIFY_WEB_UUID: uuid,
  COOLIFY_WORKER_UUIDS: workerUuids,
  APP_URL: httpUrl('https://app.example.com'),
  // The commit whose images the workflow pushed; GitHub Actions sets GITHUB_SHA.
  DEPLOY_SHA: z.string().regex(/^[0-9a-f]{40}$/, 'expected a full 40-character git SHA'),
  // Per application: Coolify's deployment (pull, start, health check, old container stopped).
  DEPLOY_TIMEOUT_MS: ms(10 * 60_000),
  // After the web deployment finished: /api/health through the proxy reporting DEPLOY_SHA.
  HEALTH_TIMEOUT_MS: ms(3 * 60_000),
  DEPLOY_POLL_INTERVAL_MS: ms(5000),
  HEALTH_POLL_INTERVAL_MS: ms(3000),
  COOLIFY_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  COOLIFY_RETRY_BASE_MS: ms(1000),
  // A 429's Retry-After is honoured up to this long (Coolify's full queue asks for 60 s).
  COOLIFY_MAX_RETRY_AFTER_MS: ms(60_000),
  COOLIFY_REQUEST_TIMEOUT_MS: ms(15_000),
  // The git checkout whose history holds the live and the new commit: their db/migrations are
  // compared before deploying (a new contract-marked migration switches automatic rollback off).
  DEPLOY_GIT_DIR: z.string().min(1).default('.'),
  // Where to write the outcome as JSON (the workflow's GitHub deployment step reads it).
  DEPLOY_RESULT_FILE: z.string().min(1).optional(),
  // The workflow passes its job's timeout-minutes: a deploy that could outlive it does not start.
  DEPLOY_JOB_TIMEOUT_MINUTES: z.coerce.number().int().min(1).optional(),
});

export type DeployEnv = z.output<typeof deployEnvSchema>;

export function loadDeployEnv(): DeployEnv {
  // Locally `make deploy` ships HEAD (which CI must already have built); in Actions, GITHUB_SHA.
  process.env.DEPLOY_SHA ||= process.env.GITHUB_SHA || resolveVersion(undefined);
  return loadEnvOrExit('deploy', deployEnvSchema);
}
