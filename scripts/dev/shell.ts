// `make psql` / `make redis-cli`: the local client on the URL from .env, or the one inside the
// compose container when the client is not installed on this machine.
import { spawnSync } from 'node:child_process';
import { commandArgs } from '../lib/args.ts';
import { dockerStatus } from '../lib/docker.ts';
import { loadScriptsEnv } from '../lib/env.ts';
import { die } from '../lib/output.ts';

const { positional: tool } = commandArgs({
  usage: 'make psql | make redis-cli',
  summary: "Open psql or redis-cli on .env's DATABASE_URL / REDIS_URL (or the compose service).",
  options: {},
  positional: { name: 'TOOL', description: 'the shell to open', values: ['psql', 'redis-cli'] },
});
const env = loadScriptsEnv(tool ?? 'shell');

const plans: Record<string, { local: string[]; compose: string[] }> = {
  psql: {
    local: ['psql', env.DATABASE_URL],
    compose: ['docker', 'compose', 'exec', 'postgres', 'psql', '-U', 'postgres', '-d', 'app'],
  },
  'redis-cli': {
    local: ['redis-cli', '-u', env.REDIS_URL],
    compose: ['docker', 'compose', 'exec', 'redis', 'redis-cli'],
  },
};

const plan = tool ? plans[tool] : undefined;
if (!plan) die('which shell? run make psql or make redis-cli');

const [command = '', ...args] = plan.local;
const local = spawnSync(command, args, { stdio: 'inherit' });
if (!local.error) process.exit(local.status ?? 0);

if (!dockerStatus().engine) {
  die(
    `${command} is not installed and no Docker engine answers`,
    `install the client (Debian/Ubuntu: apt install ${tool === 'psql' ? 'postgresql-client' : 'redis-tools'}; macOS: brew install ${tool === 'psql' ? 'libpq' : 'redis'})`,
  );
}
const [dockerCmd = 'docker', ...dockerArgs] = plan.compose;
const viaCompose = spawnSync(dockerCmd, dockerArgs, { stdio: 'inherit' });
process.exit(viaCompose.status ?? 1);
