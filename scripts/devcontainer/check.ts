import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse as parseYaml, type Tags } from 'yaml';
import { z } from 'zod';

/**
 * Validates .devcontainer/devcontainer.json against the files it depends on, without Docker:
 * the compose files and services it names exist, the ports it forwards are ports something
 * listens on at the workspace's localhost, and every `make` target its lifecycle commands run is
 * in the Makefile. Building the container (the devcontainer workflow) is the check with Docker.
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

// The compose fields the check reads. `!reset`/`!override` (Compose 2.24+) parse as plain values.
const composeService = z.looseObject({
  build: z
    .union([
      z.string(),
      z.looseObject({ context: z.string().optional(), dockerfile: z.string().optional() }),
    ])
    .optional(),
  ports: z
    .array(z.union([z.string(), z.number(), z.looseObject({ target: z.coerce.number() })]))
    .nullish(),
  expose: z.array(z.union([z.string(), z.number()])).nullish(),
  volumes: z.array(z.union([z.string(), z.looseObject({ target: z.string() })])).nullish(),
  network_mode: z.string().optional(),
});
const composeFile = z.looseObject({
  services: z.record(z.string(), composeService.nullable()).default({}),
});
type ComposeService = z.output<typeof composeService>;

const composeTags: Tags = ['!reset', '!override'].flatMap((tag) => [
  { tag, collection: 'seq' as const, resolve: (value: unknown) => value },
  { tag, collection: 'map' as const, resolve: (value: unknown) => value },
  { tag, resolve: (value: string) => value },
]);

export type CheckResult = { problems: string[]; summary: string };

/** Checks the devcontainer of the repository checked out at `workspaceFolder`. */
export function checkDevcontainer(workspaceFolder: string): CheckResult {
  const root = path.resolve(workspaceFolder);
  const rel = (file: string) => path.relative(root, file) || '.';
  const problems: string[] = [];

  const read = readConfiguration(root);
  if (!read.ok) return { problems: [read.error], summary: '' };
  const config = read.config;
  const configDir = path.dirname(config.configFilePath.fsPath);

  // Compose files: each must exist; services and their settings are merged over all of them.
  const composePaths = [config.dockerComposeFile].flat().map((f) => path.resolve(configDir, f));
  const services = new Map<string, ServiceInfo>();
  for (const file of composePaths) {
    if (!existsSync(file)) {
      problems.push(`dockerComposeFile: ${rel(file)} does not exist`);
      continue;
    }
    const parsed = parseCompose(file);
    if (!parsed.ok) {
      problems.push(`${rel(file)}: ${parsed.error}`);
      continue;
    }
    for (const [name, service] of Object.entries(parsed.services)) {
      mergeService(services, name, service ?? {}, path.dirname(file));
    }
  }
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
  if (workspace && !workspace.mountTargets.has(config.workspaceFolder)) {
    problems.push(
      `workspaceFolder: ${config.workspaceFolder} is not mounted into service "${config.service}" (add "..:${config.workspaceFolder}" to its volumes)`,
    );
  }

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
  const summary = `service "${config.service}" from ${composeNames} (${known}); forwards ${ports}; runs make ${[...usedTargets].join(', ') || '(nothing)'}`;
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

function parseCompose(
  file: string,
): { ok: true; services: Record<string, ComposeService | null> } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'), { customTags: composeTags });
  } catch (error) {
    return { ok: false, error: `not valid YAML: ${(error as Error).message.split('\n')[0]}` };
  }
  const parsed = composeFile.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${issue?.path.join('.')}: ${issue?.message}` };
  }
  return { ok: true, services: parsed.data.services };
}

type ServiceInfo = {
  /** Ports the service listens on, as declared by `ports` targets or `expose` in any file. */
  ports: Set<number>;
  mountTargets: Set<string>;
  networkMode?: string;
  dockerfile?: string;
};

function mergeService(
  services: Map<string, ServiceInfo>,
  name: string,
  service: ComposeService,
  composeDir: string,
) {
  const info = services.get(name) ?? { ports: new Set(), mountTargets: new Set() };
  // A later file's `ports: !reset []` stops publishing on the host; the service still listens.
  for (const port of [...(service.ports ?? []), ...(service.expose ?? [])]) {
    const target = containerPort(port);
    if (target !== undefined) info.ports.add(target);
  }
  for (const volume of service.volumes ?? []) {
    const target = typeof volume === 'string' ? volume.split(':')[1] : volume.target;
    if (target) info.mountTargets.add(target);
  }
  if (service.network_mode) info.networkMode = service.network_mode;
  if (service.build) {
    const build =
      typeof service.build === 'string' ? { context: service.build } : (service.build ?? {});
    const context = path.resolve(composeDir, build.context ?? '.');
    info.dockerfile = path.resolve(context, build.dockerfile ?? 'Dockerfile');
  }
  services.set(name, info);
}

/** "127.0.0.1:5432:5432", "6379", 8080, "3000-3001:3000-3001/tcp", { target: 80 } → the container side. */
function containerPort(port: string | number | { target: number }): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'object') return port.target;
  const last = port.split('/')[0]?.split(':').at(-1);
  const value = Number(last?.split('-')[0]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
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
  for (const { dockerfile } of services.values()) {
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
