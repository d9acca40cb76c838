import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppState, Runtime } from '../../deploy/testing/coolify-stand-in.ts';
import { docker, dockerOk, healthOf, publishedPort, run } from './docker.ts';

// Real stand-ins for what sits around a Coolify deployment, for the zero-downtime test
// (docs/decisions/0032): Debian's `docker-registry` plays GHCR, Debian's nginx plays Coolify's
// Traefik, and a Runtime for the Coolify stand-in that replaces the web container the way
// Coolify's rolling update does for a Docker Image application.

const missing = (tool: string, pkg: string) =>
  new Error(
    `${tool} is not installed: apt-get install ${pkg} (.ci/docker-offline/provision.sh installs it)`,
  );

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

/** A registry v2 on a loopback port (Docker allows plain HTTP to 127.0.0.0/8 registries). */
export async function startRegistry(dir: string) {
  if (run('sh', ['-c', 'command -v docker-registry']).status !== 0) {
    throw missing('docker-registry', 'docker-registry');
  }
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const port = await freeLoopbackPort();
  const config = path.join(dir, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${path.join(dir, 'storage')} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  await waitFor('docker-registry', async () => (await fetch(`http://${host}/v2/`)).ok);
  return { host, stop: () => stopChild(child) };
}

/**
 * nginx in front of the web containers, as Traefik is in front of Coolify's. `route(ports)`
 * rewrites the upstream list and reloads gracefully (new workers take new connections, old ones
 * finish what they hold), then waits until the old workers are gone, so a container taken out of
 * the list receives nothing more before it is stopped.
 */
export async function startRouter(dir: string, ports: number[]) {
  if (run('sh', ['-c', 'command -v nginx || test -x /usr/sbin/nginx']).status !== 0) {
    throw missing('nginx', 'nginx');
  }
  const nginx = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const port = await freeLoopbackPort();
  const conf = path.join(dir, 'nginx.conf');
  const pidFile = path.join(dir, 'nginx.pid');
  const write = (upstreams: number[]) =>
    writeFileSync(
      conf,
      `worker_processes 1;
pid ${pidFile};
error_log ${path.join(dir, 'logs', 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream app { ${upstreams.map((p) => `server 127.0.0.1:${p};`).join(' ')} }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_set_header Host $host; proxy_next_upstream error timeout; }
  }
}
`,
    );
  write(ports);
  const started = run(nginx, ['-p', dir, '-c', conf]);
  if (started.status !== 0) throw new Error(`nginx did not start: ${started.output}`);
  const url = `http://127.0.0.1:${port}`;
  const master = () => Number(readFileSync(pidFile, 'utf8').trim());
  const workers = () =>
    run('pgrep', ['-P', String(master())])
      .stdout.split('\n')
      .filter(Boolean);
  await waitFor('nginx', async () => (await fetch(`${url}/api/health`)).status > 0);
  return {
    url,
    route: async (upstreams: number[]) => {
      const before = workers();
      write(upstreams);
      const reload = run(nginx, ['-p', dir, '-c', conf, '-s', 'reload']);
      if (reload.status !== 0) throw new Error(`nginx reload failed: ${reload.output}`);
      await waitFor('the old nginx workers to drain', async () => {
        const now = workers();
        return now.length > 0 && before.every((pid) => !now.includes(pid));
      });
    },
    stop: async () => {
      run(nginx, ['-p', dir, '-c', conf, '-s', 'quit']);
    },
  };
}

type Serving = { container: string; port: number; tag: string };

/**
 * Coolify's rolling update for a Docker Image application, on real containers: pull the tag,
 * start the new container beside the old one, wait for its own HEALTHCHECK, add it to the router,
 * take the old one out, then stop the old one (SIGTERM, its grace period). A pull that fails or a
 * container that never turns healthy is removed again and the deployment fails, with the old
 * container serving throughout. Only the web application serves HTTP; other applications
 * (workers) finish at once here, since no request reaches them.
 */
export function rollingRuntime(options: {
  registry: string;
  router: Awaited<ReturnType<typeof startRouter>>;
  network: string;
  namePrefix: string;
  env: Record<string, string>;
  healthTimeoutMs?: number;
  log?: (line: string) => void;
}): Runtime & { start: (tag: string) => Promise<void>; containers: () => string[] } {
  let serving: Serving | undefined;
  let count = 0;
  const created: string[] = [];
  const log = options.log ?? (() => {});

  async function replace(tag: string, signal?: AbortSignal): Promise<'finished' | 'failed'> {
    const image = `${options.registry}/web:${tag}`;
    const pull = docker(['pull', '-q', image]);
    if (pull.status !== 0) {
      log(`pull ${tag} failed: ${pull.output.trim().split('\n').pop()}`);
      return 'failed';
    }
    const container = `${options.namePrefix}-web-${++count}`;
    created.push(container);
    dockerOk([
      'run',
      '-d',
      '--name',
      container,
      '--network',
      options.network,
      '-p',
      '127.0.0.1::3000',
      // Coolify sets the health check settings of the application; faster here than the image's 10 s.
      '--health-interval',
      '1s',
      '--health-start-period',
      '30s',
      ...Object.entries(options.env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      image,
    ]);
    const deadline = Date.now() + (options.healthTimeoutMs ?? 90_000);
    let health = healthOf(container);
    while (health !== 'healthy' && Date.now() < deadline && !signal?.aborted) {
      const state = docker(['inspect', '-f', '{{.State.Status}}', container]).stdout.trim();
      if (health === 'unhealthy' || state === 'exited' || state === 'dead') break;
      await sleep(250);
      health = healthOf(container);
    }
    if (health !== 'healthy') {
      log(`${tag}: new container ${health}; removed, the old one keeps serving`);
      docker(['rm', '-f', container]);
      return 'failed';
    }
    const port = publishedPort(container, 3000);
    const old = serving;
    await options.router.route(old ? [old.port, port] : [port]);
    await options.router.route([port]);
    serving = { container, port, tag };
    if (old) {
      const stopped = docker(['stop', '-t', '30', old.container]);
      docker(['rm', '-f', old.container]);
      log(`${tag}: serving; ${old.tag} stopped (docker stop exit ${stopped.status})`);
    }
    return 'finished';
  }

  return {
    start: async (tag) => {
      if ((await replace(tag)) !== 'finished') throw new Error(`first release ${tag} not healthy`);
    },
    deploy: async (app: AppState, tag: string, signal: AbortSignal) =>
      app.name === 'web' ? replace(tag, signal) : 'finished',
    containers: () => [...created],
  };
}
