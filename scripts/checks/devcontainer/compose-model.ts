import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isNode, parse as parseYaml, type Tags } from 'yaml';
import { z } from 'zod';

/**
 * What Compose makes of a merged set of compose files, as far as the devcontainer check needs it:
 * services, their build context and Dockerfile, bind mounts and network mode, all with absolute
 * paths. Compose itself is the judge (`docker compose config --format json`, which needs the
 * plugin but no engine); only where there is no plugin does the fallback apply Compose's rule,
 * which a per-file reading gets wrong: every relative path in every file resolves against the
 * project directory, the FIRST file's folder.
 */

export type ServiceInfo = {
  /** Ports the service listens on: `ports` targets and `expose` in any file, before `!reset`. */
  ports: Set<number>;
  /** Mount target → bind source (absolute) or undefined for a named/anonymous volume. */
  mounts: Map<string, string | undefined>;
  networkMode?: string;
  build?: { context: string; dockerfile: string };
};

export type ComposeModel =
  | { ok: true; judge: string; services: Map<string, ServiceInfo> }
  | { ok: false; error: string };

export type ComposeOptions = {
  /** The docker CLI to ask; a missing one means the fallback rules. */
  dockerPath?: string;
  env?: NodeJS.ProcessEnv;
};

/** `files` are absolute paths that exist, in devcontainer.json's order. */
export function loadCompose(files: string[], options: ComposeOptions = {}): ComposeModel {
  const docker = options.dockerPath ?? 'docker';
  const env = options.env ?? process.env;
  const version = spawnSync(docker, ['compose', 'version', '--short'], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  if (version.status === 0) return fromComposeConfig(docker, env, files, version.stdout.trim());
  return fromPathRules(files);
}

// --- Compose itself ---------------------------------------------------------------------------

const configJson = z.looseObject({
  services: z
    .record(
      z.string(),
      z.looseObject({
        build: z.looseObject({ context: z.string(), dockerfile: z.string().optional() }).optional(),
        ports: z.array(z.looseObject({ target: z.coerce.number() })).nullish(),
        expose: z.array(z.union([z.string(), z.number()])).nullish(),
        volumes: z
          .array(
            z.looseObject({ type: z.string(), source: z.string().optional(), target: z.string() }),
          )
          .nullish(),
        network_mode: z.string().optional(),
      }),
    )
    .default({}),
});

function composeConfig(
  docker: string,
  env: NodeJS.ProcessEnv,
  files: string[],
): { ok: true; config: z.output<typeof configJson> } | { ok: false; error: string } {
  const result = spawnSync(
    docker,
    ['compose', ...files.flatMap((f) => ['-f', f]), 'config', '--format', 'json'],
    { encoding: 'utf8', env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n').at(-1) ?? '';
    return { ok: false, error: `docker compose config failed: ${detail}` };
  }
  const parsed = configJson.safeParse(JSON.parse(result.stdout));
  if (!parsed.success) {
    return { ok: false, error: `docker compose config: unexpected JSON (${parsed.error.message})` };
  }
  return { ok: true, config: parsed.data };
}

function fromComposeConfig(
  docker: string,
  env: NodeJS.ProcessEnv,
  files: string[],
  version: string,
): ComposeModel {
  const merged = composeConfig(docker, env, files);
  if (!merged.ok) return merged;
  const services = new Map<string, ServiceInfo>();
  for (const [name, service] of Object.entries(merged.config.services)) {
    const info: ServiceInfo = { ports: new Set(), mounts: new Map() };
    for (const port of service.ports ?? []) info.ports.add(port.target);
    for (const port of service.expose ?? []) addPort(info, port);
    for (const volume of service.volumes ?? []) {
      info.mounts.set(volume.target, volume.type === 'bind' ? volume.source : undefined);
    }
    if (service.network_mode) info.networkMode = service.network_mode;
    if (service.build) {
      const context = service.build.context;
      info.build = {
        context,
        dockerfile: path.resolve(context, service.build.dockerfile ?? 'Dockerfile'),
      };
    }
    services.set(name, info);
  }
  // A later file's `ports: !reset []` stops publishing on the host, not listening: the ports the
  // earlier prefixes of the set declare still count (`[root]` alone is a valid project).
  for (let end = 1; end < files.length; end++) {
    const prefix = composeConfig(docker, env, files.slice(0, end));
    if (!prefix.ok) continue;
    for (const [name, service] of Object.entries(prefix.config.services)) {
      for (const port of service.ports ?? []) services.get(name)?.ports.add(port.target);
    }
  }
  return { ok: true, judge: `docker compose ${version} config`, services };
}

function addPort(info: ServiceInfo, port: string | number) {
  const value = Number(String(port).split('/')[0]?.split('-')[0]);
  if (Number.isInteger(value) && value > 0) info.ports.add(value);
}

// --- The fallback: Compose's path rule without Compose -----------------------------------------

/** `!reset` / `!override` (Compose 2.24+): the value replaces what earlier files said. */
class Replaced {
  constructor(readonly value: unknown) {}
}
const composeTags: Tags = ['!reset', '!override'].flatMap((tag) => [
  // A collection arrives as a YAML node; it is converted here since the wrapper hides it.
  { tag, collection: 'seq' as const, resolve: (node: unknown) => new Replaced(toJs(node)) },
  { tag, collection: 'map' as const, resolve: (node: unknown) => new Replaced(toJs(node)) },
  { tag, resolve: (value: string) => new Replaced(value) },
]);

const toJs = (node: unknown) => (isNode(node) ? node.toJSON() : node);
const plain = (value: unknown) => (value instanceof Replaced ? value.value : value);

const fileService = z.looseObject({
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
  volumes: z
    .array(
      z.union([
        z.string(),
        z.looseObject({
          type: z.string().optional(),
          source: z.string().optional(),
          target: z.string(),
        }),
      ]),
    )
    .nullish(),
  network_mode: z.string().optional(),
});

function fromPathRules(files: string[]): ComposeModel {
  // The project directory: Compose's default is the first file's folder, for every file.
  const projectDir = path.dirname(files[0] ?? '.');
  const services = new Map<string, ServiceInfo>();
  for (const file of files) {
    let data: unknown;
    try {
      data = parseYaml(readFileSync(file, 'utf8'), { customTags: composeTags });
    } catch (error) {
      return {
        ok: false,
        error: `${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      };
    }
    const raw = z
      .object({ services: z.record(z.string(), z.unknown()).nullish() })
      .loose()
      .safeParse(data ?? {});
    if (!raw.success) return { ok: false, error: `${file}: "services" is not a map` };
    for (const [name, value] of Object.entries(raw.data.services ?? {})) {
      const entries = Object.entries((plain(value) as Record<string, unknown> | null) ?? {});
      const parsed = fileService.safeParse(
        Object.fromEntries(entries.map(([k, v]) => [k, plain(v)])),
      );
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          error: `${file}: services.${name}.${issue?.path.join('.')}: ${issue?.message}`,
        };
      }
      mergeService(services, name, parsed.data, projectDir);
    }
  }
  return { ok: true, judge: "Compose's path rules (no `docker compose` here)", services };
}

function mergeService(
  services: Map<string, ServiceInfo>,
  name: string,
  service: z.output<typeof fileService>,
  projectDir: string,
) {
  const info: ServiceInfo = services.get(name) ?? { ports: new Set(), mounts: new Map() };
  for (const port of service.ports ?? []) {
    if (typeof port === 'object') info.ports.add(port.target);
    else addPort(info, String(port).split('/')[0]?.split(':').at(-1) ?? '');
  }
  for (const port of service.expose ?? []) addPort(info, port);
  // Volumes merge by mount target; relative bind sources resolve against the project directory.
  for (const volume of service.volumes ?? []) {
    const mount = typeof volume === 'string' ? shortVolume(volume) : volume;
    const isBind =
      mount.type === 'bind' || (mount.type === undefined && /^[./~]/.test(mount.source ?? ''));
    info.mounts.set(
      mount.target,
      isBind && mount.source ? path.resolve(projectDir, mount.source) : undefined,
    );
  }
  if (service.network_mode) info.networkMode = service.network_mode;
  if (service.build) {
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    const context = path.resolve(projectDir, build.context ?? '.');
    info.build = { context, dockerfile: path.resolve(context, build.dockerfile ?? 'Dockerfile') };
  }
  services.set(name, info);
}

/** "src:target[:mode]" or "target" (anonymous). */
function shortVolume(spec: string): { type?: string; source?: string; target: string } {
  const [first = '', second] = spec.split(':');
  if (second === undefined) return { type: 'volume', target: first };
  return { source: first, target: second };
}
