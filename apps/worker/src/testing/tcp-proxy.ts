import { createServer, type Server, Socket } from 'node:net';

type Target = { host: string; port: number };

/**
 * A loopback TCP proxy in front of a real server, so a test can make that server unreachable for
 * a while (refused connections, cut sessions) without stopping the shared instance. Given several
 * targets, it hands each new connection to the next one in turn (round robin), as a load balancer
 * in front of replicas does; `connections[i]` counts what target i was given.
 */
export async function startTcpProxy(targets: Target | readonly Target[]) {
  const list = Array.isArray(targets) ? targets : [targets as Target];
  const connections = list.map(() => 0);
  let next = 0;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = new Socket();
        sockets.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        const index = next++ % list.length;
        const target = list[index] as Target;
        connections[index] = (connections[index] ?? 0) + 1;
        upstream.connect(target.port, target.host, () => {
          client.pipe(upstream).pipe(client);
        });
      });
      server.listen(port, '127.0.0.1', () => {
        const address = server?.address();
        if (address && typeof address === 'object') port = address.port;
        resolve();
      });
    });

  await listen();
  return {
    get port() {
      return port;
    },
    /** New connections handed to each target so far, in the order the targets were given. */
    connections,
    /** Cuts every open connection and refuses new ones. */
    async pause() {
      // close() only stops accepting; its callback waits for open sockets, so cut them first.
      const closed = new Promise<void>((resolve) =>
        server ? server.close(() => resolve()) : resolve(),
      );
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
    resume: listen,
    stop() {
      server?.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
