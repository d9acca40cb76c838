import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnv, uniquePrefix } from '@app/db/testing';
import { freePort, spawnNode } from '@app/db/testing/processes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// One `.env` loader for every process (decision 70): the worker, the scripts and the web's
// next.config.ts all call db/src/process-env.ts's loadRootDotenv, which is `@next/env`, so
// `.env.local` overrides `.env` and `${VAR}` expands the same way everywhere. Checked through the
// real worker entry and a script process, each started in a throwaway repository root.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let root = '';

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'env-files-'));
  writeFileSync(path.join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
  const reference = (name: string) => `\${${name}}`; // a literal ${NAME} in the file
  writeFileSync(
    path.join(root, '.env'),
    `RELEASE=r1\nAPP_VERSION=${reference('RELEASE')}-from-env\n`,
  );
  // `.env.local` is read first and wins; a reference in `.env` sees what it set (Next's rules).
  writeFileSync(path.join(root, '.env.local'), 'RELEASE=r2\n');
  // `--import tsx` resolves from the working directory.
  symlinkSync(path.join(repo, 'apps/worker/node_modules'), path.join(root, 'node_modules'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('.env files', () => {
  it('a script reads .env.local over .env, with a variable reference expanded', async () => {
    const loader = path.join(repo, 'db/src/process-env.ts');
    const script = `import { loadRootDotenv } from ${JSON.stringify(loader)}; loadRootDotenv(); console.log(process.env.APP_VERSION);`;
    const child = spawnNode(root, ['--import', 'tsx', '--input-type=module', '-e', script], {
      NODE_ENV: 'development',
    });
    expect(await child.exited, child.output()).toBe(0);
    expect(child.output().trim()).toBe('r2-from-env');
  });

  it('the worker reads them the same way (its /healthz reports the version it read)', async () => {
    const env = await testEnv();
    const port = await freePort();
    const worker = spawnNode(
      root,
      ['--import', 'tsx', path.join(repo, 'apps/worker/src/main.ts')],
      {
        NODE_ENV: 'development',
        LOG_FORMAT: 'json',
        DATABASE_URL: env.databaseUrl,
        REDIS_URL: env.redisUrl,
        QUEUE_PREFIX: await uniquePrefix('envfiles'),
        WORKER_HEALTH_PORT: String(port),
      },
    );
    try {
      let version: string | undefined;
      for (let i = 0; i < 200 && !version && worker.child.exitCode === null; i++) {
        const health = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.json() as Promise<{ version?: string }>,
          () => undefined,
        );
        version = health?.version;
        if (!version) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(version, worker.output()).toBe('r2-from-env');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });
});
