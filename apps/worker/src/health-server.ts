import { createServer, type Server } from 'node:http';

export type HealthProbes = {
  /** Liveness: the process is up and not shutting down. */
  alive: () => boolean;
  /** Readiness: each dependency answers. */
  ready: () => Promise<Record<string, boolean>>;
  version: string;
};

/** A tiny HTTP server on a private port for Docker/Coolify health checks: /healthz and /readyz. */
export function startHealthServer(port: number, probes: HealthProbes): Promise<Server> {
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') {
      const alive = probes.alive();
      return send(alive ? 200 : 503, {
        status: alive ? 'ok' : 'stopping',
        version: probes.version,
      });
    }
    if (req.url === '/readyz') {
      const checks = await probes.ready();
      const ok = probes.alive() && Object.values(checks).every(Boolean);
      const named = Object.fromEntries(
        Object.entries(checks).map(([k, v]) => [k, v ? 'ok' : 'down']),
      );
      return send(ok ? 200 : 503, {
        status: ok ? 'ok' : 'degraded',
        version: probes.version,
        checks: named,
      });
    }
    send(404, { error: { code: 'not_found', message: 'try /healthz or /readyz' } });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
