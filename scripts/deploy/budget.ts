/**
 * The deploy command's worst case, computed in one place: the workflow's `timeout-minutes` must
 * cover it (budget.test.ts reads deploy.yml), and the command refuses to start when its own
 * settings would outlive the job, since a job killed mid-rollback leaves a half-deployed release.
 */

/** Worker applications one deploy may update (each adds a deployment to both directions). */
export const MAX_WORKER_APPS = 2;

export type BudgetInput = {
  workerApps: number;
  deployTimeoutMs: number;
  healthTimeoutMs: number;
  retries: number;
  retryBaseMs: number;
  maxRetryAfterMs: number;
  requestTimeoutMs: number;
};

export function worstCaseMs(input: BudgetInput): number {
  const apps = input.workerApps + 1;
  // One request that keeps failing: every attempt times out, with the longest wait in between.
  // Deployment polls run inside their deployment's own timeout, so one such request per
  // application and direction (the tag PATCH or POST /deploy) is what adds to it.
  const perRequest =
    (input.retries + 1) * input.requestTimeoutMs +
    input.retries * Math.max(input.maxRetryAfterMs, input.retryBaseMs * 2 ** input.retries);
  const oneWay = apps * (input.deployTimeoutMs + perRequest) + input.healthTimeoutMs;
  // Forward, then the rollback of every application, bounded by the same timeouts.
  return 2 * oneWay;
}

export const minutes = (ms: number) => Math.ceil(ms / 60_000);
