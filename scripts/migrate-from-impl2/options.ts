import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { postgresUrl, redisUrl } from '@app/shared/env';
import { z } from 'zod';

export const helpText = `make migrate-from-impl2 [ARGS="…"]: copy the Postgres database and Redis data of an
Implementation-2 VM (Multipass + Coolify, reached by IP) into the docker compose services, prove
nothing was lost, and point .env at the new services. The source is only ever read.

Where the data comes from (first that applies):
  --from-database-url URL   the source Postgres, e.g. postgres://app:pw@192.168.64.5:5432/app
  --from-redis-url URL      the source Redis, e.g. redis://default:pw@192.168.64.5:6379
  --vm NAME                 ask \`multipass info NAME\` for the VM's current IP and use it in place
                            of the host in .env's URLs (use when the VM's IP changed). A local
                            pg_dump older than the VM's server is refused with the fix
                            (docs/migration-from-impl2.md shows the by-hand dump inside the VM)
  (neither)                 DATABASE_URL and REDIS_URL of the current .env

Where it goes (default: the compose services, started and waited for):
  --to-database-url URL     another target, e.g. a native Postgres when there is no Docker
  --to-redis-url URL        another target Redis

Behaviour:
  --dotenv PATH             the .env to read and rewrite (default: .env at the repository root)
  --dry-run                 print the plan and stop; nothing is written anywhere
  --yes, -y                 do not ask before copying (for scripts and CI)
  --force                   copy even though the target database already has tables; the existing
                            database is kept, renamed to <name>_before_impl2_<timestamp>
  --jobs N                  parallel pg_restore jobs (default: ${defaultJobs()})
  --remove-vm               after a verified migration, stop and delete the VM (asks once more,
                            even with --yes: \`multipass delete --purge\` cannot be undone)
  --help, -h                this text

Safe to interrupt: a run killed at any point can be started again and finishes. The database is
restored into a staging database and renamed only after it verified; Redis keys are restored with
REPLACE; .env is rewritten last.`;

export function defaultJobs(): number {
  return Math.max(2, Math.min(4, availableParallelism()));
}

const optionsSchema = z
  .object({
    vm: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9-]*$/, 'expected a Multipass instance name like impl2-dev')
      .optional(),
    fromDatabaseUrl: postgresUrl.optional(),
    fromRedisUrl: redisUrl.optional(),
    toDatabaseUrl: postgresUrl.optional(),
    toRedisUrl: redisUrl.optional(),
    dotenv: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
    yes: z.boolean().default(false),
    force: z.boolean().default(false),
    jobs: z.coerce.number().int().min(1).max(32).default(defaultJobs),
    removeVm: z.boolean().default(false),
    help: z.boolean().default(false),
  })
  .strict();

export type Options = z.output<typeof optionsSchema>;

export class UsageError extends Error {}

/** Parses the command line; unknown flags and bad values become one UsageError per problem. */
export function parseOptions(argv: string[]): Options {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        vm: { type: 'string' },
        'from-database-url': { type: 'string' },
        'from-redis-url': { type: 'string' },
        'to-database-url': { type: 'string' },
        'to-redis-url': { type: 'string' },
        dotenv: { type: 'string' },
        'dry-run': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        force: { type: 'boolean' },
        jobs: { type: 'string' },
        'remove-vm': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // node's messages name the flag ("Unknown option '--foo'"); the hint says where the list is.
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  const camel = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      value,
    ]),
  );
  const result = optionsSchema.safeParse(camel);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const flag = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return `--${flag}: ${issue.message}`;
  });
  throw new UsageError(problems.join('; '));
}
