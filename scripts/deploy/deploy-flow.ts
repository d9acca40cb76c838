import { type CoolifyClient, CoolifyError } from './coolify-client.ts';
import { describeHealth, readHealth, short, waitForVersion } from './health.ts';
import { type RollbackContext, rollBack } from './rollback.ts';
import { imageTag, tagSetterFor } from './tag.ts';
import { waitForDeployment } from './wait-deployment.ts';

export type DeployConfig = {
  appUuid: string;
  appUrl: string;
  sha: string;
  tagVariable: string;
  deployTimeoutMs: number;
  healthTimeoutMs: number;
  deployIntervalMs: number;
  healthIntervalMs: number;
};

export type DeployResult = { ok: boolean; summary: string[] };

const sha40 = /^[0-9a-f]{40}$/;

/**
 * Set the tag → deploy → wait for Coolify → wait until the app reports the new version. Any
 * failure after the tag changed rolls back to the version that was live before.
 */
export async function runDeploy(
  client: CoolifyClient,
  config: DeployConfig,
  log: (line: string) => void,
): Promise<DeployResult> {
  const started = Date.now();
  const target = short(config.sha);

  // Read-only checks first: a bad token, a missing ability or a wrong UUID changes nothing.
  let ctx: RollbackContext;
  let previous: string | undefined;
  try {
    const app = await client.getApplication(config.appUuid);
    const setTag = tagSetterFor(client, config.appUuid, app.build_pack, config.tagVariable);
    ctx = {
      client,
      appUuid: config.appUuid,
      appUrl: config.appUrl,
      setTag,
      deployTimeoutMs: config.deployTimeoutMs,
      healthTimeoutMs: config.healthTimeoutMs,
      deployIntervalMs: config.deployIntervalMs,
      healthIntervalMs: config.healthIntervalMs,
      log,
    };
    // What is live now is what a rollback returns to; the running app says it best.
    const before = await readHealth(config.appUrl);
    log(`live before: ${describeHealth(before)}`);
    if (before.reachable && sha40.test(before.version)) previous = before.version;
    if (before.reachable && before.ok && before.version === config.sha) {
      return {
        ok: true,
        summary: [`${target} is already live at ${config.appUrl}: nothing to do`],
      };
    }
    log(`deploying ${imageTag(config.sha)} to ${app.name ?? config.appUuid}`);
    await setTag(imageTag(config.sha));
  } catch (error) {
    if (!(error instanceof CoolifyError)) throw error;
    return { ok: false, summary: [`deploy of ${target} did not start: ${error.message}`] };
  }

  let deployed = false;
  let failure: string;
  try {
    const deploymentUuid = await client.deploy(config.appUuid);
    deployed = true;
    log(`deployment ${deploymentUuid} queued`);
    const outcome = await waitForDeployment(client, deploymentUuid, {
      timeoutMs: config.deployTimeoutMs,
      intervalMs: config.deployIntervalMs,
      log,
    });
    if (outcome.status === 'finished') {
      const health = await waitForVersion(config.appUrl, config.sha, {
        timeoutMs: config.healthTimeoutMs,
        intervalMs: config.healthIntervalMs,
        log,
      });
      if (health.ok) {
        const took = Math.round((Date.now() - started) / 1000);
        return {
          ok: true,
          summary: [`${target} is live and healthy at ${config.appUrl} (${took} s)`],
        };
      }
      failure = `${config.appUrl}/api/health did not report ${target} within ${seconds(config.healthTimeoutMs)} (last: ${health.last})`;
    } else if (outcome.status === 'timeout') {
      failure = `deployment ${deploymentUuid} was still ${outcome.last} after ${seconds(config.deployTimeoutMs)}`;
      // A rollback queued behind a stuck deployment would wait for it: stop it first.
      await client.cancelDeployment(deploymentUuid).catch((error: unknown) => {
        if (error instanceof CoolifyError) log(`could not cancel it: ${error.message}`);
      });
    } else {
      const logs = outcome.url ? `: logs at ${outcome.url}` : ': see its logs in Coolify';
      failure = `deployment ${deploymentUuid} ${outcome.status}${logs}`;
    }
  } catch (error) {
    if (!(error instanceof CoolifyError)) throw error;
    failure = error.message;
  }

  const summary = [`deploy of ${target} failed: ${failure}`];
  if (!previous) {
    summary.push(
      'no rollback: nothing reported a version before this deploy (first deploy, or the app was down)',
    );
  } else {
    const result = await rollBack(ctx, previous, deployed);
    summary.push(
      result.ok
        ? `rolled back to ${short(previous)}`
        : `rollback to ${short(previous)} failed: ${result.reason}`,
    );
  }
  summary.push(`live now: ${describeHealth(await readHealth(config.appUrl))}`);
  return { ok: false, summary };
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
