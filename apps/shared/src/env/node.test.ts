import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { envFileNames } from './node.ts';

// One .env loader for every process (docs/decisions/0075): the web (Next's own loader, which
// next.config.ts extends to the repository root), the worker and the scripts must read the same
// files with the same override and `${VAR}` rules. Each probe is a process of its own, started
// in a checkout-shaped folder, that loads through the module its app really uses.

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const checkout = mkdtempSync(path.join(tmpdir(), 'env-files-'));
afterAll(() => rmSync(checkout, { recursive: true, force: true }));

writeFileSync(path.join(checkout, 'pnpm-workspace.yaml'), 'packages: []\n');
// biome-ignore-start lint/suspicious/noTemplateCurlyInString: .env syntax, not a template
writeFileSync(
  path.join(checkout, '.env'),
  [
    'DB_HOST=from-env',
    'DATABASE_URL=postgres://app@${DB_HOST}:5432/app',
    'REDIS_URL=redis://localhost:6379',
    'APP_NAME=from-env',
    'GREETING="hello ${APP_NAME}"',
    '',
  ].join('\n'),
);
// biome-ignore-end lint/suspicious/noTemplateCurlyInString: .env syntax, not a template
writeFileSync(path.join(checkout, '.env.local'), 'APP_NAME=from-local\nONLY_LOCAL=yes\n');
writeFileSync(path.join(checkout, '.env.production'), 'APP_NAME=from-production\n');

const shown = ['DATABASE_URL', 'APP_NAME', 'GREETING', 'ONLY_LOCAL', 'PRESET'];
const print = `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(shown)}.map((k) => [k, process.env[k] ?? null]))))`;

const probes = {
  // What `next dev` / `next start` do for a directory; next.config.ts runs it for the root.
  web: `const { loadEnvConfig } = (await import('@next/env')).default; loadEnvConfig(process.cwd(), process.env.NODE_ENV !== 'production', { info() {}, error() {} }); ${print}`,
  worker: `const { loadWorkerEnv } = await import(${JSON.stringify(path.join(repo, 'apps/worker/src/env.ts'))}); loadWorkerEnv(); ${print}`,
  scripts: `const { loadScriptsEnv } = await import(${JSON.stringify(path.join(repo, 'scripts/lib/env.ts'))}); loadScriptsEnv('probe'); ${print}`,
};

function read(probe: keyof typeof probes, nodeEnv: string | undefined) {
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, PRESET: 'from-shell' };
  if (nodeEnv) env.NODE_ENV = nodeEnv;
  // The web probe resolves @next/env from the web app, as `next` does.
  const cwd = probe === 'web' ? path.join(repo, 'apps/web') : checkout;
  const code =
    probe === 'web' ? probes.web.replace('process.cwd()', JSON.stringify(checkout)) : probes[probe];
  const out = execFileSync(tsx, ['--eval', `(async () => { ${code} })()`], {
    cwd,
    env,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
}

describe('one .env loader', () => {
  it('lists the files in Next.js order per mode', () => {
    expect(envFileNames('development')).toEqual([
      '.env.development.local',
      '.env.local',
      '.env.development',
      '.env',
    ]);
    expect(envFileNames('test')).toEqual(['.env.test.local', '.env.test', '.env']);
  });

  for (const nodeEnv of [undefined, 'production']) {
    it(`web, worker and scripts read the same values (NODE_ENV=${nodeEnv ?? 'unset'})`, () => {
      const web = read('web', nodeEnv);
      expect(web).toMatchObject({
        DATABASE_URL: 'postgres://app@from-env:5432/app',
        // .env.local beats .env and .env.production, and a `${VAR}` in .env sees the winning value.
        APP_NAME: 'from-local',
        GREETING: 'hello from-local',
        ONLY_LOCAL: 'yes',
        PRESET: 'from-shell',
      });
      expect(read('worker', nodeEnv)).toEqual(web);
      expect(read('scripts', nodeEnv)).toEqual(web);
    }, 30_000);
  }
});
