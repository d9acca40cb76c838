import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDevcontainer as checkDevcontainerWith, makeTargetsIn } from './check.ts';
import type { ComposeOptions } from './compose-model.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
// Everything the devcontainer names; the check must not need anything else.
const copied = ['.devcontainer', 'docker-compose.yml', 'Makefile', '.env.example', 'package.json'];

let workspace: string | undefined;
afterEach(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
  workspace = undefined;
});

/** A copy of the repository's devcontainer and the files it refers to, ready to break. */
function copyOfRepo(): string {
  workspace = realpathSync(mkdtempSync(path.join(tmpdir(), 'devcontainer-check-')));
  for (const entry of copied) {
    cpSync(path.join(repoRoot, entry), path.join(workspace, entry), { recursive: true });
  }
  return workspace;
}

/** Replaces text in a copied file; throws when it is not there, so a stale test cannot pass. */
function edit(dir: string, file: string, from: string, to: string) {
  const target = path.join(dir, file);
  const text = readFileSync(target, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(target, text.replace(from, to));
}

// Every case runs twice: with Compose as the judge of paths (the plugin needs no engine; it is on
// GitHub's runners and in the devcontainer), and with the fallback rules of a machine without it.
const hasComposePlugin =
  spawnSync('docker', ['compose', 'version'], { timeout: 30_000 }).status === 0;
const judges: { judge: string; options: ComposeOptions; available: boolean }[] = [
  { judge: 'docker compose config', options: {}, available: hasComposePlugin },
  { judge: 'the fallback rules', options: { dockerPath: '/nonexistent/docker' }, available: true },
];

describe.each(judges)('checkDevcontainer, paths by $judge', ({ judge, options, available }) => {
  // Not a silent pass: the skip is listed, and CI (which has the plugin) runs both.
  if (!available) it.skip(`needs the docker compose plugin for ${judge}`, () => {});
  if (!available) return;
  const checkDevcontainer = (dir: string) => checkDevcontainerWith(dir, options);

  it('accepts the repository devcontainer', () => {
    const result = checkDevcontainer(repoRoot);
    expect(result.problems).toEqual([]);
    expect(result.summary).toContain('service "workspace"');
    expect(result.summary).toContain('forwards 3000, 3001, 5432, 6379');
    expect(result.summary).toContain(
      options.dockerPath ? "Compose's path rules" : 'docker compose',
    );
  });

  it('names the paths Compose resolved when they are written relative to .devcontainer/', () => {
    const dir = copyOfRepo();
    edit(dir, '.devcontainer/docker-compose.yml', 'context: .devcontainer', 'context: .');
    edit(
      dir,
      '.devcontainer/docker-compose.yml',
      '- .:/workspace:cached',
      '- ..:/workspace:cached',
    );
    const rule = `Compose resolves every relative path against the first compose file's folder, ${dir}: write them relative to it`;
    expect(checkDevcontainer(dir).problems).toEqual([
      `service "workspace": build context resolves to ${dir} (the repository root) and its Dockerfile to ${dir}/Dockerfile, which does not exist. ${rule}`,
      `service "workspace": /workspace is mounted from ${path.dirname(dir)} (the repository's parent folder), not the repository ${dir}. ${rule}`,
    ]);
  });

  it('says when the workspace folder is not mounted at all', () => {
    const dir = copyOfRepo();
    edit(dir, '.devcontainer/docker-compose.yml', '      - .:/workspace:cached\n', '');
    expect(checkDevcontainer(dir).problems).toEqual([
      expect.stringMatching(
        /^workspaceFolder: \/workspace is not mounted into service "workspace": add "\.:\/workspace" to its volumes/,
      ),
    ]);
  });

  it('still reads the ports a later file resets as ports the services listen on', () => {
    const dir = copyOfRepo();
    // Redis now listens on 6380: the reset in the devcontainer file must not hide that either way.
    edit(dir, 'docker-compose.yml', ":6379'", ":6380'");
    expect(checkDevcontainer(dir).problems).toEqual([
      expect.stringMatching(/^forwardPorts: nothing listens on port 6379 in the workspace/),
    ]);
  });

  it('names a misspelled service and lists the real ones', () => {
    const dir = copyOfRepo();
    edit(dir, '.devcontainer/devcontainer.json', '"service": "workspace"', '"service": "workspce"');
    expect(checkDevcontainer(dir).problems).toEqual([
      'service: "workspce" is not a service in docker-compose.yml + .devcontainer/docker-compose.yml (services: postgres, redis, workspace)',
    ]);
  });

  it('names a runServices entry that no compose file defines', () => {
    const dir = copyOfRepo();
    edit(
      dir,
      '.devcontainer/devcontainer.json',
      '"runServices": ["postgres"',
      '"runServices": ["postgress"',
    );
    expect(checkDevcontainer(dir).problems).toEqual([
      expect.stringMatching(/^runServices: "postgress" is not a service in /),
    ]);
  });

  it('names a forwarded port that nothing in the workspace listens on', () => {
    const dir = copyOfRepo();
    edit(
      dir,
      '.devcontainer/devcontainer.json',
      '"forwardPorts": [3000,',
      '"forwardPorts": [4000, 3000,',
    );
    const [problem, ...rest] = checkDevcontainer(dir).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^forwardPorts: nothing listens on port 4000 in the workspace/);
    expect(problem).toContain('3000 web (PORT)');
    expect(problem).toContain('5432 postgres');
  });

  it('flags the service ports once the workspace no longer shares their localhost', () => {
    const dir = copyOfRepo();
    edit(
      dir,
      '.devcontainer/docker-compose.yml',
      '      - scripts-node-modules:/workspace/scripts/node_modules\n    network_mode: service:postgres\n',
      '      - scripts-node-modules:/workspace/scripts/node_modules\n',
    );
    const problems = checkDevcontainer(dir).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/port 5432/);
    expect(problems[1]).toMatch(/port 6379/);
  });

  it('checks "service:port" forwards against that service', () => {
    const dir = copyOfRepo();
    edit(dir, '.devcontainer/devcontainer.json', '3001, 5432', '3001, "redis:5432"');
    expect(checkDevcontainer(dir).problems).toEqual([
      'forwardPorts: "redis:5432": service "redis" declares no port 5432 (it declares 6379)',
    ]);
  });

  it('names a compose file that does not exist', () => {
    const dir = copyOfRepo();
    rmSync(path.join(dir, 'docker-compose.yml'));
    const problems = checkDevcontainer(dir).problems;
    expect(problems[0]).toBe('dockerComposeFile: docker-compose.yml does not exist');
  });

  it('names a lifecycle make target the Makefile does not have', () => {
    const dir = copyOfRepo();
    edit(
      dir,
      '.devcontainer/devcontainer.json',
      '"postStartCommand": "make services"',
      '"postStartCommand": "make servces"',
    );
    expect(checkDevcontainer(dir).problems).toEqual([
      'postStartCommand: "make servces" is not a target in the Makefile',
    ]);
  });

  it('catches an image that installs another pnpm than package.json pins', () => {
    const dir = copyOfRepo();
    edit(dir, '.devcontainer/Dockerfile', 'ARG PNPM_VERSION=', 'ARG PNPM_VERSION=9.0.0-');
    expect(checkDevcontainer(dir).problems).toEqual([
      expect.stringMatching(
        /^\.devcontainer\/Dockerfile installs pnpm 9\.0\.0-.* but package\.json pins pnpm@/,
      ),
    ]);
  });

  it('says so when the folder has no devcontainer', () => {
    const dir = copyOfRepo();
    rmSync(path.join(dir, '.devcontainer'), { recursive: true });
    expect(checkDevcontainer(dir).problems).toEqual([`${dir}: no .devcontainer/devcontainer.json`]);
  });
});

describe('makeTargetsIn', () => {
  it('finds every target of every make in a shell line, skipping options and variables', () => {
    expect(makeTargetsIn('sudo chown node x && make setup')).toEqual(['setup']);
    expect(makeTargetsIn('make -s lint typecheck NAME=x; /usr/bin/make test')).toEqual([
      'lint',
      'typecheck',
      'test',
    ]);
    expect(makeTargetsIn('pnpm install')).toEqual([]);
  });
});
