import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkDevcontainer } from '../checks/devcontainer/check.ts';
import { docker, repoRoot, run, testPrefix, usingStandIns } from './testing/docker.ts';

// The devcontainer as VS Code and Codespaces open it: the Dev Containers CLI the repository pins
// (`up`, then `exec`) on the real devcontainer.json, in a fresh clone, against the real engine.
// Figures (first open, make test inside) are printed, never asserted.

const dockerInDocker = 'ghcr.io/devcontainers/features/docker-in-docker:4';
const project = `${testPrefix}-devcontainer-${process.pid}`;

const require = createRequire(import.meta.url);
const cliManifest = require.resolve('@devcontainers/cli/package.json');
const cli = path.join(
  path.dirname(cliManifest),
  z
    .object({ bin: z.object({ devcontainer: z.string() }) })
    .parse(JSON.parse(readFileSync(cliManifest, 'utf8'))).bin.devcontainer,
);

// The CLI takes the compose project name from COMPOSE_PROJECT_NAME first: a name of our own, so
// this never touches `app-devcontainer`, the project a developer's own devcontainer uses.
const cliEnv = { ...process.env, COMPOSE_PROJECT_NAME: project };
const devcontainer = (args: string[], timeoutMs: number) =>
  run(process.execPath, [cli, ...args], { env: cliEnv, timeoutMs });

let clone = '';
let configArgs: string[] = [];
let containerId = '';
const seconds = (since: number) => `${Math.round((Date.now() - since) / 1000)} s`;

/** The repository as committed, plus uncommitted changes: what a developer would open. */
function cloneWorkingTree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), `${testPrefix}-devcontainer-`));
  const git = (args: string[], cwd = repoRoot) => {
    const result = run('git', args, { cwd });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.output}`);
    return result.stdout;
  };
  git(['clone', '--quiet', '--no-hardlinks', repoRoot, dir]);
  const diff = git(['diff', 'HEAD', '--binary']);
  if (diff.trim()) {
    writeFileSync(path.join(dir, '.uncommitted.patch'), diff);
    git(['apply', '.uncommitted.patch'], dir);
    rmSync(path.join(dir, '.uncommitted.patch'));
  }
  for (const file of git(['ls-files', '--others', '--exclude-standard', '-z']).split('\0')) {
    if (!file) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(repoRoot, file), path.join(dir, file));
  }
  return dir;
}

/** Last step of the preparation: every file of the clone, the override included, to uid 1000. */
function giveCloneToRemoteUser() {
  // On Linux the CLI gives the remote user (`node`, uid 1000 in the image) the host user's uid so
  // the bind-mounted checkout is theirs (updateRemoteUserUID). A root host is the exception: uid 0
  // is taken by root in the image, so `node` stays 1000 and could not write .env, .make or
  // node_modules/.install-stamp in a root-owned checkout. A developer's clone is their own; here
  // the clone is given to uid 1000 to be that developer.
  if (process.getuid?.() === 0) {
    const chown = run('chown', ['-R', '1000:1000', clone]);
    if (chown.status !== 0) throw new Error(`chown of the clone failed: ${chown.output}`);
  }
}

/** The configuration as the CLI reads it (comments stripped), without its file path. */
function readConfiguration(extra: string[] = []): Record<string, unknown> {
  const result = devcontainer(
    ['read-configuration', '--workspace-folder', clone, '--docker-path', 'true', ...extra],
    120_000,
  );
  if (result.status !== 0) throw new Error(`read-configuration failed: ${result.output}`);
  const { configuration } = z
    .object({ configuration: z.record(z.string(), z.unknown()) })
    .parse(JSON.parse(result.stdout));
  delete configuration.configFilePath;
  return configuration;
}

/**
 * The docker-in-docker feature comes from ghcr.io. Where that cannot be reached (the offline
 * stand-ins, or a failed fetch of its manifest), the override is the real devcontainer.json minus
 * that one feature, so everything else is still the file users open.
 */
function offlineReason(): string | undefined {
  if (usingStandIns()) return 'stand-in images (.ci/docker-offline)';
  const fetch = devcontainer(['features', 'info', 'manifest', dockerInDocker], 120_000);
  return fetch.status === 0 ? undefined : `fetching ${dockerInDocker} failed`;
}

function teardown() {
  if (!clone) return;
  const files = ['-f', 'docker-compose.yml', '-f', '.devcontainer/docker-compose.yml'];
  const image = containerId
    ? docker(['inspect', '-f', '{{.Config.Image}}', containerId]).stdout.trim()
    : '';
  const down = docker(['compose', '-p', project, ...files, 'down', '-v', '--remove-orphans'], {
    cwd: clone,
  });
  if (down.status !== 0) console.error(`compose down of ${project} failed:\n${down.output}`);
  // The images this run built: compose's `<project>-workspace` and the CLI's `vsc-…-uid` on top.
  for (const name of [image, `${project}-workspace`].filter(Boolean)) {
    docker(['image', 'rm', name]);
  }
  rmSync(clone, { recursive: true, force: true });
}

describe('the devcontainer, opened with the Dev Containers CLI', () => {
  beforeAll(() => {
    clone = cloneWorkingTree();
    const reason = offlineReason();
    if (!reason) {
      console.log(`devcontainer: the real devcontainer.json, ${dockerInDocker} included`);
      giveCloneToRemoteUser();
      return;
    }
    const config = readConfiguration();
    const features = z.record(z.string(), z.unknown()).parse(config.features ?? {});
    delete features[dockerInDocker];
    const override = path.join(
      clone,
      '.devcontainer',
      'devcontainer.offline-no-docker-in-docker.json',
    );
    writeFileSync(override, JSON.stringify({ ...config, features }, null, 2));
    configArgs = ['--override-config', override];
    giveCloneToRemoteUser();
    console.log(
      `devcontainer: OFFLINE (${reason}): using ${path.basename(override)}, the real devcontainer.json without ONLY the ${dockerInDocker} feature`,
    );
  });

  // Also on failure: nothing of this run stays running or stored.
  afterAll(teardown);

  it('is the real devcontainer.json, minus at most the docker-in-docker feature', () => {
    const real = readConfiguration();
    const used = readConfiguration(configArgs);
    const realFeatures = { ...(real.features as Record<string, unknown>) };
    if (configArgs.length > 0) delete realFeatures[dockerInDocker];
    expect({ ...used }).toEqual({ ...real, features: realFeatures });
  });

  // make devcontainer-check's judgement with Compose itself: a wrong build context or workspace
  // mount fails here with the path it resolved to, before the slow `up` below.
  it('resolves its build context and workspace mount inside the repository (Compose as judge)', () => {
    const { problems } = checkDevcontainer(clone);
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('comes up: build, onCreateCommand (make setup) and postStartCommand (make services)', () => {
    const started = Date.now();
    const up = devcontainer(['up', '--workspace-folder', clone, ...configArgs], 1_800_000);
    console.log(`devcontainer up: exit ${up.status} after ${seconds(started)}`);
    const result = z
      .object({ outcome: z.string(), containerId: z.string().optional() })
      .loose()
      .safeParse(JSON.parse(up.stdout.trim().split('\n').at(-1) || '{}'));
    containerId = (result.success && result.data.containerId) || '';
    if (up.status !== 0) console.error(up.stderr.slice(-6000));
    expect(result.data).toMatchObject({
      outcome: 'success',
      composeProjectName: project,
      remoteUser: 'node',
      remoteWorkspaceFolder: '/workspace',
    });
    // The CLI stops at the first failing lifecycle command; both ran to their last line.
    expect(up.stderr).toContain('Running the onCreateCommand from devcontainer.json');
    expect(up.stderr).toContain('✓ setup done');
    expect(up.stderr).toContain('Running the postStartCommand from devcontainer.json');
    expect(up.stderr).toMatch(/✓ \d+ migration\(s\) applied/);
    expect(up.stderr).not.toMatch(
      /(onCreateCommand|postStartCommand) from devcontainer.json failed/,
    );
  }, 1_800_000);

  it('leaves every file in the workspace owned by node, the remote user', () => {
    expect(containerId, 'devcontainer up failed').not.toBe('');
    const notNode = docker(['exec', containerId, 'find', '/workspace', '!', '-user', 'node']);
    expect(notNode.status).toBe(0);
    expect(notNode.stdout.split('\n').filter(Boolean).slice(0, 10)).toEqual([]);
  });

  it('passes make test inside, against the compose Postgres and Redis', () => {
    expect(containerId, 'devcontainer up failed').not.toBe('');
    const started = Date.now();
    const test = devcontainer(
      ['exec', '--workspace-folder', clone, ...configArgs, 'make', 'test'],
      2_400_000,
    );
    const counts = [...test.stdout.matchAll(/^\s*(Tests\s+.*|\d+ (passed|failed|skipped).*)$/gm)];
    console.log(
      `make test inside: exit ${test.status} after ${seconds(started)}\n${counts.map((m) => m[0].trim()).join('\n')}`,
    );
    if (test.status !== 0) console.error(test.output.slice(-8000));
    expect(test.status).toBe(0);
  }, 2_400_000);
});
