// `make bench-start`: sizes of what the images ship and start-to-healthy times of their commands,
// measured outside Docker (docs/deploy.md quotes the figures). Uses DATABASE_URL/REDIS_URL from
// .env; `--no-build` reuses the last build.
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import {
  buildImages,
  freePort,
  repoRoot,
  stageWeb,
  stageWorker,
  startCommand,
  waitFor200,
} from '../deploy/testing/image-commands.ts';
import { commandArgs } from '../lib/args.ts';
import { loadScriptsEnv } from '../lib/env.ts';
import { bold, ok, step } from '../lib/output.ts';

const RUNS = 5;
const env = loadScriptsEnv('bench-start');

const { values: args } = commandArgs({
  usage: 'make bench-start [ARGS=--no-build]',
  summary: 'Sizes of the web/worker image payloads and their start-to-healthy times.',
  options: { 'no-build': { type: 'boolean', description: 'reuse the last production build' } },
});

if (!args['no-build']) {
  step('building: next build (standalone) and the worker bundle');
  const t0 = performance.now();
  buildImages();
  ok(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const web = await stageWeb();
const worker = await stageWorker();
try {
  const du = (dir: string) =>
    spawnSync('du', ['-sh', dir], { encoding: 'utf8' }).stdout.split('\t')[0];
  console.log(bold('\nSizes (du -sh)'));
  console.log(`  web standalone (+ static, public), the image's /app  ${du(web.dir)}`);
  console.log(
    `  apps/web/.next/standalone alone                      ${du(`${repoRoot}/apps/web/.next/standalone`)}`,
  );
  console.log(`  worker dist/ (bundle + source maps + migrations)     ${du(`${worker.dir}/dist`)}`);

  const common = {
    NODE_ENV: 'production',
    DATABASE_URL: env.DATABASE_URL,
    REDIS_URL: env.REDIS_URL,
    QUEUE_PREFIX: 'bench-start',
    APP_VERSION: 'bench',
    LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    BASIC_AUTH_USER: 'bench',
    BASIC_AUTH_PASSWORD: 'bench-password',
  };

  async function measure(
    name: string,
    start: (port: number) => ReturnType<typeof startCommand>,
    path: string,
  ) {
    const times: number[] = [];
    const stops: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const port = await freePort();
      const started = start(port);
      const { ms } = await waitFor200(started, `http://127.0.0.1:${port}${path}`, 60_000);
      times.push(ms);
      const t0 = performance.now();
      started.child.kill('SIGTERM');
      const code = await started.exited;
      stops.push(`${code} in ${Math.round(performance.now() - t0)} ms`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `  ${name.padEnd(44)} median ${median} ms (min ${sorted[0]}, max ${sorted.at(-1)}; ${RUNS} runs)`,
    );
    console.log(`  ${''.padEnd(44)} SIGTERM → exit ${stops[0]}`);
  }

  console.log(bold(`\nStart to healthy (spawn → first 200), ${process.version}`));
  await measure(
    'web: node apps/web/server.js → /api/health',
    (port) =>
      startCommand(web.dir, ['apps/web/server.js'], {
        ...common,
        PORT: String(port),
        HOSTNAME: '127.0.0.1',
      }),
    '/api/health',
  );
  await measure(
    'worker: node dist/main.js → /readyz',
    (port) =>
      startCommand(worker.dir, ['dist/main.js'], { ...common, WORKER_HEALTH_PORT: String(port) }),
    '/readyz',
  );
} finally {
  await web.remove();
  await worker.remove();
  // The worker registered its schedules under the bench prefix: leave no keys behind.
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1 });
  const keys = await redis.keys('bench-start:*').catch(() => []);
  if (keys.length > 0) await redis.unlink(...keys);
  redis.disconnect();
}
