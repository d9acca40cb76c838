import { setTimeout as sleep } from 'node:timers/promises';
import type { CoolifyClient, DeploymentStatus } from './coolify-client.ts';

export type DeploymentOutcome =
  | { status: 'finished' | 'failed' | 'cancelled-by-user'; uuid: string; url?: string }
  | { status: 'timeout'; uuid: string; last: DeploymentStatus | 'skipped'; url?: string };

export type WaitOptions = {
  timeoutMs: number;
  intervalMs: number;
  log: (line: string) => void;
  /** Called once Coolify has a deployment of ours queued (not for skipped ones). */
  onQueued?: () => void;
};

const final = (s: DeploymentStatus) =>
  s === 'finished' || s === 'failed' || s === 'cancelled-by-user';

/**
 * Queues a deployment of `appUuid` and waits for it, all within `timeoutMs`.
 *
 * Coolify skips a deployment when the application already has one queued or running (for a
 * Docker Image application every deployment has commit HEAD, so any second one), yet POST
 * /deploy still answers a fresh UUID that was never saved: polling it gives 404. That is not a
 * failure. The command then waits for the deployment that is running (from the application's
 * list), which may have started before our tag was set, and deploys again once it ended.
 */
export async function deployAndWait(
  client: CoolifyClient,
  appUuid: string,
  options: WaitOptions,
): Promise<DeploymentOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const uuid = await client.deploy(appUuid);
    const first = await client.findDeployment(uuid);
    if (first) {
      options.onQueued?.();
      return waitFor(client, uuid, deadline, options);
    }

    const active = (await client.listDeployments(appUuid)).find((d) => !final(d.status));
    options.log(
      active
        ? `Coolify skipped deployment ${uuid}: ${active.deployment_uuid} is already ${active.status} for this application; waiting for it, then deploying again`
        : `Coolify skipped deployment ${uuid} and none is running now; deploying again`,
    );
    if (active) {
      const other = await waitFor(client, active.deployment_uuid, deadline, options);
      if (other.status === 'timeout') return { ...other, uuid };
    }
    if (Date.now() + options.intervalMs > deadline) {
      return { status: 'timeout', uuid, last: 'skipped' };
    }
    await sleep(options.intervalMs);
  }
}

/** Polls GET /deployments/{uuid} until a final status or the deadline, printing progress. */
async function waitFor(
  client: CoolifyClient,
  uuid: string,
  deadline: number,
  options: WaitOptions,
): Promise<DeploymentOutcome> {
  const started = Date.now();
  let last: DeploymentStatus = 'queued';
  let url: string | undefined;
  let lastLine = 0;
  let lastStatus: DeploymentStatus | undefined;
  for (;;) {
    const deployment = await client.findDeployment(uuid);
    const elapsed = Date.now() - started;
    if (deployment) {
      last = deployment.status;
      url = deployment.deployment_url ?? url;
      if (final(last)) {
        options.log(`deployment ${uuid}: ${last} after ${Math.round(elapsed / 1000)} s`);
        return {
          status: last as 'finished' | 'failed' | 'cancelled-by-user',
          uuid,
          ...(url ? { url } : {}),
        };
      }
    }
    // A line on every change and a heartbeat every 30 s: progress without flooding CI logs.
    if (last !== lastStatus || elapsed - lastLine >= 30_000) {
      options.log(`deployment ${uuid}: ${last} (${Math.round(elapsed / 1000)} s)`);
      lastStatus = last;
      lastLine = elapsed;
    }
    if (Date.now() + options.intervalMs > deadline) {
      return { status: 'timeout', uuid, last, ...(url ? { url } : {}) };
    }
    await sleep(options.intervalMs);
  }
}
