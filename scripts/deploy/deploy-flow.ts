import { type CoolifyClient, CoolifyError } from './coolify-client.ts';
import { describeHealth, readHealth, short, waitForVersion } from './health.ts';
import type { RollbackPolicy } from './migration-contracts.ts';
import { type AppRef, imageTag, requiredEnvs, shaOfTag } from './topology.ts';
import { deployAndWait } from './wait-deployment.ts';

export type DeployConfig = {
  apps: AppRef[];
  appUrl: string;
  sha: string;
  deployTimeoutMs: number;
  healthTimeoutMs: number;
  deployIntervalMs: number;
  healthIntervalMs: number;
  /**
   * Given the live version, whether a failure may roll back automatically (not when a new
   * migration carries a contract marker) and what to say about it up front. Default: always.
   */
  rollbackPolicy?: (live: string | undefined) => RollbackPolicy;
};

/** What happened to the previous version: the job summary and the GitHub deployment show it. */
export type RollbackOutcome =
  | 'not needed'
  | 'rolled back'
  | 'incomplete'
  | 'off (contract migration)';

export type DeployResult = {
  ok: boolean;
  summary: string[];
  rollback: RollbackOutcome;
  /** The app's /api/health at the end, e.g. `HTTP 200, version 3f5c2a1b0e9d`. */
  health: string;
  durationMs: number;
};

type Planned = AppRef & { previousTag: string | undefined; name: string; queued?: boolean };

/**
 * Checks every application (read only) → for each in order: set its tag, deploy, wait for
 * Coolify's rolling update → wait until the app reports the new version. Any failure after a tag
 * changed puts every changed application back on its previous tag, in reverse order.
 */
export async function runDeploy(
  client: CoolifyClient,
  config: DeployConfig,
  log: (line: string) => void,
  announce: (line: string, policy: RollbackPolicy) => void = log,
): Promise<DeployResult> {
  const started = Date.now();
  const target = short(config.sha);
  const tag = imageTag(config.sha);

  // Read-only checks first: a bad token, a missing ability, a wrong UUID, a build pack that
  // cannot roll, or missing variables change nothing.
  const planned: Planned[] = [];
  try {
    for (const ref of config.apps) {
      const app = await client.getApplication(ref.uuid);
      if (app.build_pack !== 'dockerimage') {
        return fail(
          `the ${ref.label} resource ${ref.uuid} uses the '${app.build_pack ?? 'unknown'}' build pack: create it as a Docker Image application (rolling updates need one; a Docker Compose resource stops every container first, docs/decisions/0031-coolify-topology.md)`,
        );
      }
      const present = new Set((await client.listEnvs(ref.uuid)).map((env) => env.key));
      const missing = requiredEnvs[ref.role].filter((key) => !present.has(key));
      if (missing.length > 0) {
        return fail(
          `the ${ref.label} application has no ${missing.join(', ')}: run 'make coolify-setup' (it creates them through the API and shows what it changed)`,
        );
      }
      planned.push({
        ...ref,
        previousTag: app.docker_registry_image_tag ?? undefined,
        name: app.name ?? ref.uuid,
      });
    }
  } catch (error) {
    if (!(error instanceof CoolifyError)) throw error;
    return fail(error.message);
  }

  const before = await readHealth(config.appUrl);
  log(`live before: ${describeHealth(before)}`);
  if (
    before.reachable &&
    before.ok &&
    before.version === config.sha &&
    planned.every((app) => app.previousTag === tag)
  ) {
    return {
      ok: true,
      summary: [`${target} is already live at ${config.appUrl}: nothing to do`],
      rollback: 'not needed',
      health: describeHealth(before),
      durationMs: Date.now() - started,
    };
  }

  // The live version is what the migrating worker (first in the order) runs, else what the app
  // reports; the policy compares its migrations with the new version's before anything changes.
  const healthVersion =
    before.reachable && before.version ? shaOfTag(`sha-${before.version}`) : undefined;
  const live = shaOfTag(planned[0]?.previousTag) ?? healthVersion;
  const policy: RollbackPolicy = config.rollbackPolicy?.(live) ?? {
    automatic: true,
    notice: [],
    ifFailed: [],
  };
  for (const line of policy.notice) announce(line, policy);

  const changed: Planned[] = [];
  let failure: string | undefined;
  try {
    for (const app of planned) {
      log(`${app.label}: deploying ${tag} to ${app.name}`);
      await client.updateApplication(app.uuid, { docker_registry_image_tag: tag });
      changed.push(app);
      const outcome = await deployAndWait(client, app.uuid, {
        timeoutMs: config.deployTimeoutMs,
        intervalMs: config.deployIntervalMs,
        log,
        onQueued: () => {
          app.queued = true;
        },
      });
      if (outcome.status === 'finished') continue;
      if (outcome.status === 'timeout') {
        failure = `${app.label}: deployment ${outcome.uuid} was still ${outcome.last} after ${seconds(config.deployTimeoutMs)}`;
        // A rollback queued behind a stuck deployment would be skipped: stop it first.
        await client.cancelDeployment(outcome.uuid).catch((error: unknown) => {
          if (error instanceof CoolifyError) log(`could not cancel it: ${error.message}`);
        });
      } else {
        const logs = outcome.url
          ? `: logs at ${new URL(outcome.url, coolifyBase(client)).href}`
          : '';
        failure = `${app.label}: deployment ${outcome.uuid} ${outcome.status}${logs}`;
      }
      break;
    }
    if (!failure) {
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
          rollback: 'not needed',
          health: `HTTP 200, version ${target}`,
          durationMs: Date.now() - started,
        };
      }
      failure = `${config.appUrl}/api/health did not report ${target} within ${seconds(config.healthTimeoutMs)} (last: ${health.last})`;
    }
  } catch (error) {
    if (!(error instanceof CoolifyError)) throw error;
    failure = error.message;
  }

  const summary = [`deploy of ${target} failed: ${failure}`];
  let rollback: RollbackOutcome = 'off (contract migration)';
  if (policy.automatic) {
    const lines = await rollBack(client, changed, config, log);
    summary.push(...lines);
    rollback =
      lines.length === 0
        ? 'not needed'
        : lines.every((line) => / rolled back to | tag restored to /.test(line))
          ? 'rolled back'
          : 'incomplete';
  } else summary.push(...policy.ifFailed);
  const health = describeHealth(await readHealth(config.appUrl));
  summary.push(`live now: ${health}`);
  return { ok: false, summary, rollback, health, durationMs: Date.now() - started };
}

/**
 * Every changed application back on the tag it had, newest change first. A deployment that
 * failed in Coolify's rolling update left the old container serving, but its tag still says the
 * new one: restoring it keeps the next deploy (or a restart) from shipping it unverified.
 */
async function rollBack(
  client: CoolifyClient,
  changed: Planned[],
  config: DeployConfig,
  log: (line: string) => void,
): Promise<string[]> {
  const lines: string[] = [];
  for (const app of [...changed].reverse()) {
    const previous = app.previousTag;
    if (!shaOfTag(previous)) {
      lines.push(`${app.label}: no rollback (it had no sha-… tag before: first deploy)`);
      continue;
    }
    try {
      log(`${app.label}: rolling back to ${previous}`);
      await client.updateApplication(app.uuid, { docker_registry_image_tag: previous as string });
      // Coolify never started a deployment of the new tag: the old containers still run it.
      if (!app.queued) {
        lines.push(`${app.label}: tag restored to ${previous} (nothing had been deployed)`);
        continue;
      }
      const outcome = await deployAndWait(client, app.uuid, {
        timeoutMs: config.deployTimeoutMs,
        intervalMs: config.deployIntervalMs,
        log,
      });
      lines.push(
        outcome.status === 'finished'
          ? `${app.label}: rolled back to ${short(shaOfTag(previous) ?? '')}`
          : `${app.label}: rollback to ${previous} ended ${outcome.status}`,
      );
    } catch (error) {
      if (!(error instanceof CoolifyError)) throw error;
      lines.push(`${app.label}: rollback to ${previous} failed: ${error.message}`);
    }
  }
  return lines;
}

const fail = (line: string): DeployResult => ({
  ok: false,
  summary: [`deploy did not start: ${line}`],
  rollback: 'not needed',
  health: 'not checked',
  durationMs: 0,
});

const coolifyBase = (client: CoolifyClient) => client.baseUrl;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
