import { setTimeout as sleep } from 'node:timers/promises';
import type { CoolifyClient, DeploymentStatus } from './coolify-client.ts';

export type DeploymentOutcome =
  | { status: 'finished' | 'failed' | 'cancelled-by-user'; url?: string }
  | { status: 'timeout'; last: DeploymentStatus; url?: string };

export type WaitForDeploymentOptions = {
  timeoutMs: number;
  intervalMs: number;
  log: (line: string) => void;
};

/** Polls GET /deployments/{uuid} until a final status or the timeout, printing progress. */
export async function waitForDeployment(
  client: CoolifyClient,
  deploymentUuid: string,
  options: WaitForDeploymentOptions,
): Promise<DeploymentOutcome> {
  const started = Date.now();
  let last: DeploymentStatus = 'queued';
  let url: string | undefined;
  let lastLine = 0;
  let lastStatus: DeploymentStatus | undefined;
  for (;;) {
    const deployment = await client.getDeployment(deploymentUuid);
    last = deployment.status;
    url = deployment.deployment_url ?? url;
    const elapsed = Date.now() - started;
    if (last === 'finished' || last === 'failed' || last === 'cancelled-by-user') {
      options.log(`deployment ${deploymentUuid}: ${last} after ${Math.round(elapsed / 1000)} s`);
      return { status: last, ...(url ? { url } : {}) };
    }
    // A line on every change and a heartbeat every 30 s: progress without flooding CI logs.
    if (last !== lastStatus || elapsed - lastLine >= 30_000) {
      options.log(`deployment ${deploymentUuid}: ${last} (${Math.round(elapsed / 1000)} s)`);
      lastStatus = last;
      lastLine = elapsed;
    }
    if (elapsed + options.intervalMs > options.timeoutMs) {
      return { status: 'timeout', last, ...(url ? { url } : {}) };
    }
    await sleep(options.intervalMs);
  }
}
