import { type CoolifyClient, CoolifyError } from './coolify-client.ts';
import { short, waitForVersion } from './health.ts';
import { imageTag, type TagSetter } from './tag.ts';
import { waitForDeployment } from './wait-deployment.ts';

export type RollbackContext = {
  client: CoolifyClient;
  appUuid: string;
  appUrl: string;
  setTag: TagSetter;
  deployTimeoutMs: number;
  healthTimeoutMs: number;
  deployIntervalMs: number;
  healthIntervalMs: number;
  log: (line: string) => void;
};

/**
 * Points the resource back at the release that was live before and, when a deployment of the new
 * tag was started, deploys the old tag again and waits until it is healthy.
 *
 * Re-deploying the previous immutable tag works on every Coolify v4 and for compose resources;
 * POST /applications/{uuid}/rollback only exists since v4.3 and only sees images still on the
 * server (docs/decisions/0030-push-to-deploy.md).
 */
export async function rollBack(
  ctx: RollbackContext,
  previousSha: string,
  deployed: boolean,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    ctx.log(`rolling back to ${short(previousSha)}`);
    await ctx.setTag(imageTag(previousSha));
    // Nothing new was deployed: restoring the tag keeps the next deploy from shipping it unverified.
    if (!deployed) return { ok: true };
    const deploymentUuid = await ctx.client.deploy(ctx.appUuid);
    const outcome = await waitForDeployment(ctx.client, deploymentUuid, {
      timeoutMs: ctx.deployTimeoutMs,
      intervalMs: ctx.deployIntervalMs,
      log: ctx.log,
    });
    if (outcome.status !== 'finished') {
      return { ok: false, reason: `the rollback deployment ended ${outcome.status}` };
    }
    const health = await waitForVersion(ctx.appUrl, previousSha, {
      timeoutMs: ctx.healthTimeoutMs,
      intervalMs: ctx.healthIntervalMs,
      log: ctx.log,
    });
    if (!health.ok) return { ok: false, reason: `health after the rollback: ${health.last}` };
    return { ok: true };
  } catch (error) {
    if (error instanceof CoolifyError) return { ok: false, reason: error.message };
    throw error;
  }
}
