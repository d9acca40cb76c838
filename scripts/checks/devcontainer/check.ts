// ~320 lines: one check per thing a devcontainer gets wrong (paths as Compose resolves them,
// services, ports, volumes, make targets), each with its own message; compose-model.ts parses.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { type ComposeOptions, loadCompose, type ServiceInfo } from './compose-model.ts';

/**
 * Validates .devcontainer/devcontainer.json against the files it depends on, without an engine:
 * the compose files and services it names exist, the workspace's build context and Dockerfile
 * are where Compose will look, the workspace folder is the repository mounted, the ports it
 * forwards are ports something listens on at the workspace's localhost, and every `make` target
 * its lifecycle commands run is in the Makefile. Compose resolves the paths (compose-model.ts);
 * building and opening it for real is `make test-docker` (scripts/docker/devcontainer.docker.test.ts).
 */

// The devcontainer.json fields this check relies on, after the Dev Containers CLI has read the
// file (comments stripped, variables substituted). Everything else passes through untouched.
const lifecycleCommand = z.union([
  z.string(),
  z.array(z.string()),
  z.record(z.string(), z.union([z.string(), z.array(z.string())])),
]);
const forwardedPort = z.union([
  z.number().int().min(1).max(65535),
  z.string().regex(/^([a-z0-9-]+):(\d{1,5})$/, 'expected a port number or "service:port"'),
]);
const lifecycleKeys = [
  'initializeCommand',
  'onCreateCommand',
  'updateContentCommand',
  'postCreateCommand',
  'postStartCommand',
  'postAttachCommand',
] as const;

export const devcontainerSchema = z.looseObject({
  dockerComposeFile: z.union([z.string(), z.array(z.string()).min(1)]),
  service: z.string().min(1),
  runServices: z.array(z.string()).optional(),
  workspaceFolder: z.string().startsWith('/'),
  forwardPorts: z.array(forwardedPort).default([]),
  initializeCommand: lifecycleCommand.optional(),
  onCreateCommand: lifecycleCommand.optional(),
  updateContentCommand: lifecycleCommand.optional(),
  postCreateCommand: lifecycleCommand.optional(),
  postStartCommand: lifecycleCommand.optional(),
  postAttachCommand: lifecycleCommand.optional(),
  configFilePath: z.looseObject({ fsPath: z.string() }),
});
export type DevcontainerConfig = z.output<typeof devcontainerSchema>;

export type CheckResult = { problems: string[]; summary: string };

/** Checks the devcontainer of the repository checked out at `workspaceFolder`. */
export function checkDevcontainer(
  workspaceFolder: string,
  options: ComposeOptions = {},
): CheckResult {
  const root = path.resolve(workspaceFolder);
  const rel = (file: string) => path.relative(root, file) || '.';
  const problems: string[] = [];

  const read = readConfiguration(root);
  if (!read.ok) return { problems: [read.error], summary: '' };
  const config = read.config;
  const configDir = path.dirname(config.configFilePath.fsPath);

  // Compose files: each must exist; then Compose (or its rules) merges them.
  const composePaths = [config.dockerComposeFile].flat().map((f) => path.resolve(configDir, f));
  const missing = composePaths.filter((file) => !existsSync(file));
  for (const file of missing) problems.push(`dockerComposeFile: ${rel(file)} does not exist`);
  const model = missing.length === 0 ? loadCompose(composePaths, options) : undefined;
  if (model && !model.ok) problems.push(model.error);
  const services = model?.ok ? model.services : new Map<string, ServiceInfo>();
  const composeNames = composePaths.map(rel).join(' + ');
  const known = [...services.keys()].sort().join(', ') || 'none';

  for (const [key, names] of [
    ['service', [config.service]],
    ['runServices', config.runServices ?? []],
  ] as const) {
    for (const name of names) {
      if (!services.has(name)) {
        problems.push(`${key}: "${name}" is not a service in ${composeNames} (services: ${known})`);
      }
    }
  }

  const workspace = services.get(config.service);
  if (workspace) problems.push(...checkWorkspacePaths(root, config, workspace, composePaths));

  // Which ports are on the workspace's localhost depends on its service: without one, the
  // service problem above is the whole story.
  if (workspace) problems.push(...checkPorts(root, config, services));
  const targets = makeTargets(path.join(root, 'Makefile'));
  const commands = lifecycleKeys.flatMap((key) =>
    commandStrings(config[key]).map((command) => ({ key, command })),
  );
  const usedTargets = new Set<string>();
  for (const { key, command } of commands) {
    for (const target of makeTargetsIn(command)) {
      usedTargets.add(target);
      if (!targets.has(target)) {
        problems.push(`${key}: "make ${target}" is not a target in the Makefile`);
      }
    }
  }
  problems.push(...checkPnpmPin(root, services, rel));

  const ports = config.forwardPorts.join(', ') || 'none';
  const judge = model?.ok ? `; paths by ${model.judge}` : '';
  const summary = `service "${config.service}" from ${composeNames} (${known}); forwards ${ports}; runs make ${[...usedTargets].join(', ') || '(nothing)'}${judge}`;
  return { problems, summary };
}

function readConfiguration(
  root: string,
): { ok: true; config: DevcontainerConfig } | { ok: false; error: string } {
  if (!existsSync(path.join(root, '.devcontainer', 'devcontainer.json'))) {
    return { ok: false, error: `${root}: no .devcontainer/devcontainer.json` };
  }
  // `--docker-path true` turns every docker call into a no-op, so no engine is needed.
  const result = spawnSync(
    process.execPath,
    [devcontainerCli(), 'read-configuration', '--workspace-folder', root, '--docker-path', 'true'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n').at(-1) ?? '';
    return { ok: false, error: `devcontainer read-configuration failed: ${detail}` };
  }
  let output: unknown;
  try {
    output = JSON.parse(result.stdout);
  } catch {
    return {
      ok: false,
      error: 'devcontainer read-configuration printed something that is not JSON',
    };
  }
  const parsed = z.object({ configuration: devcontainerSchema }).safeParse(output);
  if (parsed.success) return { ok: true, config: parsed.data.configuration };
  const issues = parsed.error.issues.map(
    (issue) => `${issue.path.slice(1).join('.') || '(root)'}: ${issue.message}`,
  );
  return { ok: false, error: `devcontainer.json: ${issues.join('; ')}` };
}

/** The CLI's entry script, run with this Node: no PATH or shell lookups, works on Windows too. */
function devcontainerCli(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@devcontainers/cli/package.json');
  const { bin } = z
    .object({ bin: z.object({ devcontainer: z.string() }) })
    .parse(JSON.parse(readFileSync(manifest, 'utf8')));
  return path.join(path.dirname(manifest), bin.devcontainer);
}

/**
 * Where Compose will build the workspace from and what it mounts at the workspace folder. The
 * usual mistake is writing paths relative to .devcontainer/: Compose resolves them against the
 * first compose file's folder, so each line names the path Compose resolved to.
 */
function checkWorkspacePaths(
  root: string,
  config: DevcontainerConfig,
  workspace: ServiceInfo,
  composePaths: string[],
): string[] {
  const problems: string[] = [];
  const shown = (file: string) => {
    const relative = path.relative(root, file);
    if (relative === '') return `${file} (the repository root)`;
    if (relative === '..') return `${file} (the repository's parent folder)`;
    return relative.startsWith('..') ? file : `${file} (${relative})`;
  };
  const rule = `Compose resolves every relative path against the first compose file's folder, ${path.dirname(composePaths[0] ?? root)}: write them relative to it`;
  const build = workspace.build;
  if (build && !existsSync(build.dockerfile)) {
    problems.push(
      `service "${config.service}": build context resolves to ${shown(build.context)} and its Dockerfile to ${build.dockerfile}, which does not exist. ${rule}`,
    );
  }
  const source = workspace.mounts.get(config.workspaceFolder);
  if (!workspace.mounts.has(config.workspaceFolder)) {
    problems.push(
      `workspaceFolder: ${config.workspaceFolder} is not mounted into service "${config.service}": add ".:${config.workspaceFolder}" to its volumes (${rule})`,
    );
  } else if (source !== root) {
    problems.push(
      `service "${config.service}": ${config.workspaceFolder} is mounted from ${source ? shown(source) : 'a named volume'}, not the repository ${root}. ${rule}`,
    );
  }
  return problems;
}

function checkPorts(root: string, config: DevcontainerConfig, services: Map<string, ServiceInfo>) {
  const problems: string[] = [];
  const appPorts = appPortsFromEnvExample(path.join(root, '.env.example'));
  // Services whose localhost is the workspace's: the namespace owner and everyone who joined it.
  const owner = networkOwner(config.service, services);
  const onLocalhost = [...services.entries()].filter(
    ([name]) => networkOwner(name, services) === owner,
  );
  const localPorts = new Map<number, string>();
  for (const [name, info] of onLocalhost) {
    for (const port of info.ports) localPorts.set(port, name);
  }
  for (const [port, name] of appPorts) localPorts.set(port, name);

  for (const forwarded of config.forwardPorts) {
    if (typeof forwarded === 'string') {
      const [service = '', portText = ''] = forwarded.split(':');
      const info = services.get(service);
      if (!info) {
        problems.push(
          `forwardPorts: "${forwarded}" names no service (services: ${[...services.keys()].join(', ')})`,
        );
      } else if (!info.ports.has(Number(portText))) {
        problems.push(
          `forwardPorts: "${forwarded}": service "${service}" declares no port ${portText} (it declares ${[...info.ports].join(', ') || 'none'})`,
        );
      }
      continue;
    }
    if (localPorts.has(forwarded)) continue;
    const listening = [...localPorts.entries()].map(([port, name]) => `${port} ${name}`).join(', ');
    problems.push(
      `forwardPorts: nothing listens on port ${forwarded} in the workspace (app ports in .env.example and ports of services on its localhost: ${listening})`,
    );
  }
  return problems;
}

/** Follows `network_mode: service:X` to the service that owns the network namespace. */
function networkOwner(name: string, services: Map<string, ServiceInfo>, seen = new Set<string>()) {
  const mode = services.get(name)?.networkMode;
  if (!mode?.startsWith('service:') || seen.has(name)) return name;
  seen.add(name);
  return networkOwner(mode.slice('service:'.length), services, seen);
}

/** The ports the apps listen on, from the documented defaults. */
function appPortsFromEnvExample(file: string): Map<number, string> {
  const names: Record<string, string> = { PORT: 'web (PORT)', WORKER_HEALTH_PORT: 'worker health' };
  const ports = new Map<number, string>();
  if (!existsSync(file)) return ports;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z_]+)=(\d+)\s*$/.exec(line);
    const label = match?.[1] ? names[match[1]] : undefined;
    if (match?.[2] && label) ports.set(Number(match[2]), label);
  }
  return ports;
}

function commandStrings(command: unknown): string[] {
  if (typeof command === 'string') return [command];
  // The array form is exec-style: one command, no shell.
  if (Array.isArray(command)) return [command.join(' ')];
  if (command && typeof command === 'object') return Object.values(command).flatMap(commandStrings);
  return [];
}

/** `make a b` anywhere in a shell command line → ["a", "b"]; options and VAR=value are skipped. */
export function makeTargetsIn(command: string): string[] {
  return command
    .split(/&&|\|\||[;|\n]/)
    .map((segment) => segment.trim().split(/\s+/))
    .filter(([program]) => program === 'make' || program?.endsWith('/make'))
    .flatMap((words) => words.slice(1).filter((w) => !w.startsWith('-') && !w.includes('=')));
}

/** Targets defined in a Makefile: `name:` or `a b:` at the start of a line (not `:=` / `::=`). */
export function makeTargets(file: string): Set<string> {
  const targets = new Set<string>();
  if (!existsSync(file)) return targets;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match =
      /^([A-Za-z0-9][A-Za-z0-9_.-]*(?:[ \t]+[A-Za-z0-9][A-Za-z0-9_.-]*)*)[ \t]*:(?![:=])/.exec(
        line,
      );
    for (const name of match?.[1]?.split(/\s+/) ?? []) targets.add(name);
  }
  return targets;
}

/** The pnpm a workspace image installs must be the one package.json pins. */
function checkPnpmPin(
  root: string,
  services: Map<string, ServiceInfo>,
  rel: (f: string) => string,
) {
  const manifest = path.join(root, 'package.json');
  if (!existsSync(manifest)) return [];
  const pinned = /^pnpm@(.+)$/.exec(
    z
      .object({ packageManager: z.string().optional() })
      .parse(JSON.parse(readFileSync(manifest, 'utf8'))).packageManager ?? '',
  )?.[1];
  if (!pinned) return [];
  const problems: string[] = [];
  for (const { build } of services.values()) {
    const dockerfile = build?.dockerfile;
    if (!dockerfile || !existsSync(dockerfile)) continue;
    const installed = /ARG\s+PNPM_VERSION=(\S+)|pnpm@(\d[\w.-]*)/.exec(
      readFileSync(dockerfile, 'utf8'),
    );
    const version = installed?.[1] ?? installed?.[2];
    if (version && version !== pinned) {
      problems.push(
        `${rel(dockerfile)} installs pnpm ${version}, but package.json pins pnpm@${pinned}: make them equal`,
      );
    }
  }
  return problems;
}
