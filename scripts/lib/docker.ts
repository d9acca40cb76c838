import { spawn, spawnSync } from 'node:child_process';

export type DockerStatus = { engine: boolean; compose: boolean; detail: string };

/** Whether a Docker engine answers (not just whether the client is installed). */
export function dockerStatus(): DockerStatus {
  const client = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  if (client.error) return { engine: false, compose: false, detail: 'docker client not installed' };
  if (client.status !== 0) {
    return { engine: false, compose: false, detail: 'docker client found, but no engine answers' };
  }
  const compose = spawnSync('docker', ['compose', 'version', '--short'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return {
    engine: true,
    compose: compose.status === 0,
    detail: `engine ${client.stdout.trim()}${compose.status === 0 ? `, compose ${compose.stdout.trim()}` : ', no compose plugin'}`,
  };
}

export type ComposeProject = { name: string; images: { service: string; image: string }[] };

/**
 * The project as Compose itself resolves it (override files, COMPOSE_PROJECT_NAME from the
 * environment or .env, `name:`), so "ours" means what `docker compose` will touch.
 */
export function composeProject(): ComposeProject | undefined {
  const result = spawnSync('docker', ['compose', 'config', '--format', 'json'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (result.status !== 0) return undefined;
  try {
    const config = JSON.parse(result.stdout) as {
      name?: string;
      services?: Record<string, { image?: string }>;
    };
    if (!config.name) return undefined;
    const images = Object.entries(config.services ?? {}).flatMap(([service, s]) =>
      s.image ? [{ service, image: s.image }] : [],
    );
    return { name: config.name, images };
  } catch {
    return undefined;
  }
}

/** Runs `docker compose …`, showing its output as it comes and keeping it for the diagnosis. */
export function composeStreaming(args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn('docker', ['compose', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    });
    child.on('error', (error) => resolve({ status: 1, output: `${output}${error.message}` }));
    child.on('close', (code) => resolve({ status: code ?? 1, output }));
  });
}

/** Images of the project the engine does not have: after a failed `up`, the ones it could not pull. */
export function missingImages(project: ComposeProject): { service: string; image: string }[] {
  return project.images.filter(
    ({ image }) =>
      spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore', timeout: 10_000 })
        .status !== 0,
  );
}

/** Why a pull failed, in a few words, from the daemon's message. */
export function pullFailureReason(output: string): string {
  if (
    /no such host|connection refused|i\/o timeout|network is unreachable|TLS handshake|dial tcp/i.test(
      output,
    )
  ) {
    return 'its registry cannot be reached (offline, a proxy, or a wrong registry host)';
  }
  if (
    /pull access denied|manifest unknown|not found|repository does not exist|unauthorized/i.test(
      output,
    )
  ) {
    return 'its registry has no such image (a wrong name or tag, or it needs `docker login`)';
  }
  return 'the registry is unreachable or the name is wrong';
}

/** The host ports a failed `up` could not bind, from the daemon's message. */
export function portsInConflict(output: string): number[] {
  const ports = new Set<number>();
  for (const match of output.matchAll(
    /(?:listen tcp[46]?|bind for) [^\s]*:(\d+)(?:: bind: address already in use| failed: port is already allocated)/gi,
  )) {
    ports.add(Number(match[1]));
  }
  return [...ports];
}

export type PortHolder =
  | { kind: 'ours'; container: string }
  | { kind: 'container'; container: string }
  | { kind: 'host'; process?: string };

/**
 * Who listens on a host port: a container (this project's or another), or a host process named by
 * `ss` or `lsof` when they exist and may see it.
 */
export function portHolder(port: number, project: string | undefined): PortHolder {
  const ps = spawnSync(
    'docker',
    [
      'ps',
      '--filter',
      `publish=${port}`,
      '--format',
      '{{.Names}}\t{{.Label "com.docker.compose.project"}}',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  const [line] = ps.status === 0 ? ps.stdout.split('\n').filter((l) => l.includes('\t')) : [];
  if (line) {
    const [container = '', owner = ''] = line.split('\t');
    return project && owner === project
      ? { kind: 'ours', container }
      : { kind: 'container', container };
  }
  return { kind: 'host', process: hostProcess(port) };
}

function hostProcess(port: number): string | undefined {
  const ss = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', timeout: 5000 });
  const fromSs = /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout ?? '');
  if (fromSs) return `${fromSs[1]} (pid ${fromSs[2]})`;
  const lsof = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  const pid = /^p(\d+)$/m.exec(lsof.stdout ?? '')?.[1];
  const command = /^c(.+)$/m.exec(lsof.stdout ?? '')?.[1];
  if (pid && command) return `${command} (pid ${pid})`;
  return undefined;
}
