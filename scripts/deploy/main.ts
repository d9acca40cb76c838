// `make deploy` and the deploy job of .github/workflows/deploy.yml: ship the images CI pushed for
// DEPLOY_SHA to Coolify, verify the app reports that version, roll back otherwise. Exit 0 only
// when the new release is live and healthy.
import { dim, fail, ok, step } from '../lib/output.ts';
import { createCoolifyClient } from './coolify-client.ts';
import { runDeploy } from './deploy-flow.ts';
import { loadDeployEnv } from './env.ts';

const env = loadDeployEnv();

// Defence in depth: nothing should ever contain the token, but a server echoing it must not leak it.
const redact = (text: string) => text.split(env.COOLIFY_TOKEN).join('***');
const log = (line: string) => console.log(dim(`  ${redact(line)}`));

const client = createCoolifyClient({
  baseUrl: env.COOLIFY_URL,
  token: env.COOLIFY_TOKEN,
  retries: env.COOLIFY_RETRIES,
  retryBaseMs: env.COOLIFY_RETRY_BASE_MS,
  maxRetryAfterMs: env.COOLIFY_MAX_RETRY_AFTER_MS,
  requestTimeoutMs: env.COOLIFY_REQUEST_TIMEOUT_MS,
  log,
});

step(`deploy ${env.DEPLOY_SHA} via ${new URL(env.COOLIFY_URL).host}`);
const result = await runDeploy(
  client,
  {
    appUuid: env.COOLIFY_APP_UUID,
    appUrl: env.APP_URL,
    sha: env.DEPLOY_SHA,
    tagVariable: env.COOLIFY_TAG_VARIABLE,
    deployTimeoutMs: env.DEPLOY_TIMEOUT_MS,
    healthTimeoutMs: env.HEALTH_TIMEOUT_MS,
    deployIntervalMs: env.DEPLOY_POLL_INTERVAL_MS,
    healthIntervalMs: env.HEALTH_POLL_INTERVAL_MS,
  },
  log,
);

const [headline = '', ...details] = result.summary.map(redact);
if (result.ok) {
  ok(headline);
} else {
  fail(headline);
  for (const line of details) console.log(`  ${line}`);
  process.exitCode = 1;
}
