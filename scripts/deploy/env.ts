import { loadEnvOrExit, resolveVersion } from '@app/db/process-env';
import { z } from 'zod';

const httpUrl = (example: string) =>
  z
    .string()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
      message: `expected a URL like ${example}`,
    })
    // Trailing slashes would double up when paths are appended.
    .transform((value) => value.replace(/\/+$/, ''));

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** What `make deploy` / `scripts/deploy/main.ts` reads. The workflow sets these from secrets/vars. */
export const deployEnvSchema = z.object({
  COOLIFY_URL: httpUrl('https://coolify.example.com'),
  // Never echoed: parseEnv reports only the variable's name.
  COOLIFY_TOKEN: z.string().min(1),
  COOLIFY_APP_UUID: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected the UUID from the resource URL'),
  APP_URL: httpUrl('https://app.example.com'),
  // The commit whose images the workflow pushed; GitHub Actions sets GITHUB_SHA.
  DEPLOY_SHA: z.string().regex(/^[0-9a-f]{40}$/, 'expected a full 40-character git SHA'),
  // Name of the compose variable that holds the image tag (docker-compose.prod.yml: IMAGE_TAG).
  COOLIFY_TAG_VARIABLE: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/)
    .default('IMAGE_TAG'),
  DEPLOY_TIMEOUT_MS: ms(15 * 60_000),
  HEALTH_TIMEOUT_MS: ms(5 * 60_000),
  DEPLOY_POLL_INTERVAL_MS: ms(5000),
  HEALTH_POLL_INTERVAL_MS: ms(3000),
  COOLIFY_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  COOLIFY_RETRY_BASE_MS: ms(1000),
  // A 429's Retry-After is honoured up to this long; beyond it the deploy gives up.
  COOLIFY_MAX_RETRY_AFTER_MS: ms(120_000),
  COOLIFY_REQUEST_TIMEOUT_MS: ms(15_000),
});

export type DeployEnv = z.output<typeof deployEnvSchema>;

export function loadDeployEnv(): DeployEnv {
  // Locally `make deploy` ships HEAD (which CI must already have built); in Actions, GITHUB_SHA.
  process.env.DEPLOY_SHA ||= process.env.GITHUB_SHA || resolveVersion(undefined);
  return loadEnvOrExit('deploy', deployEnvSchema);
}
