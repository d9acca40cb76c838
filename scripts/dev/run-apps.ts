import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { answersOk, pollUntil } from '@app/shared/wait';
import { bold, colorEnabled, cyan, dim, green, magenta, red } from '../lib/output.ts';

type App = {
  name: string;
  cwd: string;
  command: string;
  args: string[];
  paint: (s: string) => string;
};

const apps: App[] = [
  { name: 'web', cwd: 'apps/web', command: 'pnpm', args: ['exec', 'next', 'dev'], paint: cyan },
  {
    name: 'worker',
    cwd: 'apps/worker',
    command: 'pnpm',
    args: ['exec', 'tsx', 'watch', '--clear-screen=false', 'src/main.ts'],
    paint: magenta,
  },
];

/**
 * Runs web and worker together in the foreground with prefixed logs. Each runs in its own process
 * group, so Ctrl-C (or SIGTERM) stops the whole tree of each (next dev and tsx spawn children)
 * and nothing is left behind.
 */
export function runApps(options: { port: number; healthUrls: string[] }): Promise<never> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  for (const app of apps) {
    const child = spawn(app.command, app.args, {
      cwd: app.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The children write into our pipe, so they cannot see the terminal: tell them whether the
      // lines they produce end up coloured (ours do only on a TTY, or with FORCE_COLOR/NO_COLOR).
      env: { ...process.env, PORT: String(options.port), FORCE_COLOR: colorEnabled() ? '1' : '0' },
    });
    children.set(app.name, child);
    const prefix = app.paint(`${app.name.padEnd(6)} │`);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => console.log(`${prefix} ${line}`));
    }
    child.on('exit', (code, signal) => {
      children.delete(app.name);
      if (stopping) return;
      console.log(red(`${app.name} exited (${signal ?? `code ${code}`}); stopping the others`));
      void stop(code && code > 0 ? code : 1);
    });
  }

  void announceWhenReady(options.healthUrls);

  async function stop(exitCode: number) {
    if (stopping) return;
    stopping = true;
    console.log(dim('stopping web and worker…'));
    for (const child of children.values()) kill(child, 'SIGTERM');
    await pollUntil(() => children.size === 0, {
      what: 'web and worker to stop',
      timeoutMs: 15_000,
      intervalMs: 100,
    }).catch(() => {}); // whatever is left gets SIGKILL below
    for (const child of children.values()) kill(child, 'SIGKILL');
    process.exit(exitCode);
  }

  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  return new Promise<never>(() => {});
}

function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function announceWhenReady(urls: string[]) {
  const started = Date.now();
  const pending = new Set(urls);
  try {
    await pollUntil(
      async (signal) => {
        for (const url of pending) if (await answersOk(url, signal)) pending.delete(url);
        return pending.size === 0;
      },
      { what: 'web and worker', timeoutMs: 180_000, intervalMs: 500 },
    );
  } catch {
    return; // Their own log lines say why; the banner is only for the happy path.
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(green(bold(`✓ ready in ${seconds} s: ${urls.join(', ')} answer 200`)));
}
