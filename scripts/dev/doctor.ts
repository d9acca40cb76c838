// `make doctor`: one ✓/✗ line per check with the fix beside each ✗; exits 1 if any ✗.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { EnvError, parseEnv } from '@app/shared/env';
import { loadRootEnv } from '@app/shared/env/node';
import { commandArgs } from '../lib/args.ts';
import { dockerStatus } from '../lib/docker.ts';
import { type ScriptsEnv, scriptsEnvSchema } from '../lib/env.ts';
import { nodeRange, satisfies } from '../lib/node-policy.ts';
import { bold, fail, ok, warn } from '../lib/output.ts';
import { portInUse, probePostgres, probeRedis, where } from '../lib/services.ts';

commandArgs({
  usage: 'make doctor',
  summary: 'Check tools, ports, .env and services; the fix beside each problem.',
  options: {},
});

let failures = 0;
const bad = (text: string, fix: string) => {
  failures += 1;
  fail(text, fix);
};

console.log(bold('Checking this machine for the template…'));

// Node and pnpm: the range is package.json's engines.node (decision 0091).
const range = nodeRange();
if (satisfies(process.versions.node, range)) ok(`Node ${process.versions.node}`);
else
  bad(
    `Node ${process.versions.node} is outside the supported range ${range}`,
    `install Node ${readFileSync('.nvmrc', 'utf8').trim()} (see .nvmrc), e.g. \`nvm install\``,
  );

const wantedPnpm = (
  JSON.parse(readFileSync('package.json', 'utf8')) as { packageManager: string }
).packageManager.split('@')[1];
// make puts the pinned pnpm from .make/tools first on PATH, so only a run outside make (or a
// deleted .make/tools) finds none or another version; no global install is ever needed.
const pnpm = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
const pnpmFix = `run it through make (\`make doctor\`): \`make tools\` installs pnpm ${wantedPnpm} into .make/tools`;
if (pnpm.status !== 0) bad('pnpm not found', pnpmFix);
else if (pnpm.stdout.trim() !== wantedPnpm)
  warn(`pnpm ${pnpm.stdout.trim()} (the repo pins ${wantedPnpm})`, pnpmFix);
else ok(`pnpm ${wantedPnpm}`);

// .env
loadRootEnv();
let env: ScriptsEnv | undefined;
try {
  env = parseEnv(scriptsEnvSchema, process.env);
  ok('.env is valid');
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  bad(
    `.env is invalid:\n${error.problems.join('\n')}`,
    'edit .env (see .env.example for each variable)',
  );
}

// Services
let servicesAnswer = false;
if (env) {
  const [pg, redis] = await Promise.all([
    probePostgres(env.DATABASE_URL),
    probeRedis(env.REDIS_URL, env.REDIS_CA_FILE),
  ]);
  if (pg.ok) ok(`Postgres ${pg.version} answers at ${where(env.DATABASE_URL)}`);
  else
    bad(
      `Postgres does not answer at ${where(env.DATABASE_URL)}: ${pg.error}`,
      '`make up` starts it with Docker; or fix DATABASE_URL in .env',
    );
  if (pg.ok && !pg.version.startsWith('15'))
    warn(`Postgres ${pg.version}: the template targets 15`);
  if (redis.ok) ok(`Redis ${redis.version} answers at ${where(env.REDIS_URL)}`);
  else
    bad(
      `Redis does not answer at ${where(env.REDIS_URL)}: ${redis.error}`,
      '`make up` starts it with Docker; or fix REDIS_URL in .env',
    );
  if (redis.ok) {
    if (redis.detail === 'noeviction') ok('Redis maxmemory-policy is noeviction');
    else if (redis.detail?.startsWith('unknown')) warn(`Redis maxmemory-policy ${redis.detail}`);
    else
      bad(
        `Redis maxmemory-policy is ${redis.detail}: BullMQ can lose jobs`,
        'redis-cli CONFIG SET maxmemory-policy noeviction (compose sets it)',
      );
  }
  servicesAnswer = pg.ok && redis.ok;

  // Ports: free, or held by our own services (which then answered above).
  for (const [name, port, ours] of [
    ['web', env.PORT, false],
    ['worker health', env.WORKER_HEALTH_PORT, false],
    ['Postgres', env.POSTGRES_PORT, pg.ok],
    ['Redis', env.REDIS_PORT, redis.ok],
  ] as const) {
    const used = await portInUse(port);
    if (!used) ok(`port ${port} (${name}) is free`);
    else if (ours) ok(`port ${port} (${name}) is held by our ${name}`);
    else
      warn(
        `port ${port} (${name}) is in use`,
        `stop what holds it (\`lsof -i :${port}\`) or set another port in .env; fine if it is this app already running`,
      );
  }
}

// Docker
const docker = dockerStatus();
if (docker.engine && docker.compose) ok(`Docker: ${docker.detail}`);
else if (servicesAnswer) warn(`Docker: ${docker.detail}; not needed, the services in .env answer`);
else
  bad(
    `Docker: ${docker.detail}`,
    'install Docker with the compose plugin, or point DATABASE_URL/REDIS_URL at running servers',
  );

console.log(failures === 0 ? bold('All good.') : bold(`${failures} problem(s) found.`));
process.exit(failures === 0 ? 0 : 1);
