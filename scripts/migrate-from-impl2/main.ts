// `make migrate-from-impl2`: move a developer's Postgres and Redis data from the Implementation-2
// VM (Multipass + Coolify) to the compose services, verify it, and point .env at them.
// `--help` lists the options; docs/migration-from-impl2.md explains the steps and the failures.
// The whole feature is this folder (plus its Makefile target and doc): delete them to remove it.
import { red } from '../lib/output.ts';
import { copyPostgresStep, copyRedisStep, rewriteEnv, summarise } from './copy.ts';
import { helpText, type Options, parseOptions, UsageError } from './options.ts';
import { confirm, inspectSource, inspectTarget, prepareTarget, printPlan, setup } from './plan.ts';

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  // Exit 2 like every other command's usage error (scripts/lib/args.ts).
  console.error(
    `${red('✗')} ${error.message}\n  \`make migrate-from-impl2 ARGS=--help\` lists the options`,
  );
  process.exit(2);
}
if (options.help) {
  console.log(helpText);
  process.exit(0);
}

const base = setup(options);
const sourced = await inspectSource(base);
const prepared = await prepareTarget(base);
const inspected = await inspectTarget({ ...base, ...sourced, ...prepared });
const migration = {
  ...base,
  ...sourced,
  ...prepared,
  ...inspected,
  closeAll: async () => {
    sourced.sourceRedis.disconnect();
    inspected.targetRedis?.disconnect();
  },
};
printPlan(migration);
await confirm(migration);
const copied = { ...(await copyPostgresStep(migration)), ...(await copyRedisStep(migration)) };
const { backup } = await rewriteEnv(migration);
await summarise({ ...migration, ...copied, backup });
