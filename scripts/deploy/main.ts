// `make deploy` and the deploy job of .github/workflows/deploy.yml: ship the images CI pushed for
// DEPLOY_SHA to the Coolify applications (workers first, then web), verify the app reports that
// version, roll back otherwise. Exit 0 only when the new release is live and healthy.
import { writeFileSync } from 'node:fs';
import { dim, fail, ok, step, warn } from '../lib/output.ts';
import { minutes, worstCaseMs } from './budget.ts';
import { createCoolifyClient } from './coolify-client.ts';
import { runDeploy } from './deploy-flow.ts';
import { loadDeployEnv } from './env.ts';
import { compareMigrations, rollbackPolicy } from './migration-contracts.ts';
import { deployOrder } from './topology.ts';

const env = loadDeployEnv();

// Defence in depth: nothing should ever contain the token, but a server echoing it must not leak it.
const redact = (text: string) => text.split(env.COOLIFY_TOKEN).join('***');
const log = (line: string) => console.log(dim(`  ${redact(line)}`));

const worst = worstCaseMs({
  workerApps: env.COOLIFY_WORKER_UUIDS.length,
  deployTimeoutMs: env.DEPLOY_TIMEOUT_MS,
  healthTimeoutMs: env.HEALTH_TIMEOUT_MS,
  retries: env.COOLIFY_RETRIES,
  retryBaseMs: env.COOLIFY_RETRY_BASE_MS,
  maxRetryAfterMs: env.COOLIFY_MAX_RETRY_AFTER_MS,
  requestTimeoutMs: env.COOLIFY_REQUEST_TIMEOUT_MS,
});
if (
  env.DEPLOY_JOB_TIMEOUT_MINUTES !== undefined &&
  minutes(worst) > env.DEPLOY_JOB_TIMEOUT_MINUTES
) {
  fail(
    `deploy did not start: in the worst case (deployment, health and the rollback of ${env.COOLIFY_WORKER_UUIDS.length + 1} applications) it takes ${minutes(worst)} min, longer than the job's ${env.DEPLOY_JOB_TIMEOUT_MINUTES} min`,
    'lower DEPLOY_TIMEOUT_MS / HEALTH_TIMEOUT_MS, or raise timeout-minutes and DEPLOY_JOB_TIMEOUT_MINUTES together in deploy.yml',
  );
  process.exit(1);
}

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
    apps: deployOrder(env.COOLIFY_WEB_UUID, env.COOLIFY_WORKER_UUIDS),
    appUrl: env.APP_URL,
    sha: env.DEPLOY_SHA,
    deployTimeoutMs: env.DEPLOY_TIMEOUT_MS,
    healthTimeoutMs: env.HEALTH_TIMEOUT_MS,
    deployIntervalMs: env.DEPLOY_POLL_INTERVAL_MS,
    healthIntervalMs: env.HEALTH_POLL_INTERVAL_MS,
    rollbackPolicy: (live) =>
      rollbackPolicy(compareMigrations(env.DEPLOY_GIT_DIR, live, env.DEPLOY_SHA), env.DEPLOY_SHA),
  },
  log,
  // Rollback off is the one thing an operator must read before the deploy starts.
  (line, policy) => (policy.automatic ? log(line) : warn(redact(line))),
);

// For the workflow's next step (scripts/deploy/github-deployment.ts finish): the GitHub deployment
// status and the job summary table.
if (env.DEPLOY_RESULT_FILE) {
  const record = {
    ok: result.ok,
    version: env.DEPLOY_SHA,
    durationMs: result.durationMs,
    health: redact(result.health),
    rollback: result.rollback,
    summary: result.summary.map(redact),
  };
  writeFileSync(env.DEPLOY_RESULT_FILE, `${JSON.stringify(record, null, 2)}\n`);
}

const [headline = '', ...details] = result.summary.map(redact);
if (result.ok) {
  ok(headline);
} else {
  fail(headline);
  for (const line of details) console.log(`  ${line}`);
  process.exitCode = 1;
}
