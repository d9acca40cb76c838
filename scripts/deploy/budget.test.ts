import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MAX_WORKER_APPS, minutes, worstCaseMs } from './budget.ts';
import { deployEnvSchema } from './env.ts';

describe('deploy job timeout', () => {
  it("covers the deploy command's worst case with its default settings and the most workers", () => {
    const workflow = parse(
      readFileSync(new URL('../../.github/workflows/deploy.yml', import.meta.url), 'utf8'),
    );
    const job = workflow.jobs.deploy;
    const step = job.steps.find(
      (s: { env?: Record<string, string> }) => s.env?.DEPLOY_JOB_TIMEOUT_MINUTES,
    );
    const defaults = deployEnvSchema.parse({
      COOLIFY_URL: 'https://coolify.example.com',
      COOLIFY_TOKEN: 't',
      COOLIFY_WEB_UUID: 'w',
      COOLIFY_WORKER_UUIDS: Array.from({ length: MAX_WORKER_APPS }, (_, i) => `k${i}`).join(','),
      APP_URL: 'https://app.example.com',
      DEPLOY_SHA: 'a'.repeat(40),
    });
    const worst = worstCaseMs({
      workerApps: defaults.COOLIFY_WORKER_UUIDS.length,
      deployTimeoutMs: defaults.DEPLOY_TIMEOUT_MS,
      healthTimeoutMs: defaults.HEALTH_TIMEOUT_MS,
      retries: defaults.COOLIFY_RETRIES,
      retryBaseMs: defaults.COOLIFY_RETRY_BASE_MS,
      maxRetryAfterMs: defaults.COOLIFY_MAX_RETRY_AFTER_MS,
      requestTimeoutMs: defaults.COOLIFY_REQUEST_TIMEOUT_MS,
    });
    expect(job['timeout-minutes']).toBeGreaterThanOrEqual(minutes(worst));
    // The command checks itself against the number the workflow gives it: they must agree.
    expect(Number(step.env.DEPLOY_JOB_TIMEOUT_MINUTES)).toBe(job['timeout-minutes']);
  });

  it('the deploy job runs only after the gate said main and configured', () => {
    const workflow = parse(
      readFileSync(new URL('../../.github/workflows/deploy.yml', import.meta.url), 'utf8'),
    );
    expect(workflow.jobs.deploy.needs).toContain('gate');
    expect(workflow.jobs.deploy.if).toContain("needs.gate.outputs.configured == 'true'");
    expect(workflow.jobs.gate.steps[0].run).toContain('refs/heads/main');
    expect(JSON.stringify(workflow.jobs.image)).toContain("needs.gate.outputs.newest == 'true'");
  });
});
