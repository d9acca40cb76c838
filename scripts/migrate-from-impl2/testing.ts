// Helpers for the integration test and the benchmark: throwaway redis-servers, a `multipass`
// stand-in, and the tool run as a child process (so it can be killed like a user's Ctrl-C or a
// crash would).
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type RedisServer, startRedisServer } from '@app/db/testing/processes';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');

/** A redis-server of our own on a free port, data in a temp dir; `appendonly` as compose runs it. */
export const startRedis = (options: { appendonly: boolean }): Promise<RedisServer> =>
  startRedisServer(options);

export { freePort, type RedisServer };

/**
 * A `multipass` executable answering `info NAME --format json` and `list --format json` in the real
 * command's JSON shape, and logging every call (one line each) to `<dir>/calls.log`.
 */
export function writeMultipassStandIn(
  dir: string,
  vm: { name: string; state: string; ipv4: string[] },
): string {
  const info = {
    errors: [],
    info: {
      [vm.name]: {
        cpu_count: '2',
        disks: { sda1: { total: '10213466112', used: '4005425152' } },
        image_hash: 'b6b2f5c1f5e7',
        image_release: '24.04 LTS',
        ipv4: vm.ipv4,
        load: [0.1, 0.05, 0.01],
        memory: { total: 4102361088, used: 1372930048 },
        mounts: {},
        release: 'Ubuntu 24.04.1 LTS',
        snapshot_count: '0',
        state: vm.state,
      },
    },
  };
  const list = {
    list: [{ name: vm.name, state: vm.state, ipv4: vm.ipv4, release: 'Ubuntu 24.04.1 LTS' }],
  };
  const script = `#!/bin/sh
echo "$*" >> '${dir}/calls.log'
if [ "$1" = info ] && [ "$2" = '${vm.name}' ]; then
  cat <<'JSON'
${JSON.stringify(info, null, 2)}
JSON
  exit 0
fi
if [ "$1" = info ]; then echo "info failed: instance \\"$2\\" does not exist" >&2; exit 2; fi
if [ "$1" = list ]; then
  cat <<'JSON'
${JSON.stringify(list)}
JSON
  exit 0
fi
exit 0
`;
  const file = path.join(dir, 'multipass');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return file;
}

export type ToolRun = {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
  /** Resolves once the output contains `text`. */
  waitFor: (text: string, timeoutMs?: number) => Promise<void>;
  /** SIGKILL for the whole process group: the tool and its pg_dump/pg_restore children. */
  killAll: () => void;
};

export function runTool(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): ToolRun {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdin?.end(options.input ?? '');
  const waiters: { text: string; resolve: () => void }[] = [];
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.filter((w) => output.includes(w.text))) {
      waiter.resolve();
      waiters.splice(waiters.indexOf(waiter), 1);
    }
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | string>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    output: () => output,
    exited,
    waitFor: (text, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        if (output.includes(text)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`)),
          timeoutMs,
        );
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(() => {
          if (!output.includes(text)) reject(new Error(`exited without "${text}":\n${output}`));
        });
      }),
    killAll: () => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    },
  };
}
