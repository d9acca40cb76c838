import { postgresUrl, redisUrl } from '@app/shared/env';
import { MultipassError, pickVmAddress, vmInfo } from './multipass.ts';
import { hostOf, withHost } from './urls.ts';

export type Endpoints = { databaseUrl: string; redisUrl: string };

export type Source = Endpoints & {
  /** Where the URLs came from, for the plan. */
  origin: string;
  /** The Multipass instance, when known (needed for --remove-vm). */
  vm?: string;
};

export class SourceError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/**
 * Explicit --from-* URLs win; otherwise .env's. With --vm, the host of .env's URLs is replaced by
 * the VM's current address (Multipass hands out a new one now and then, the usual reason why an
 * Implementation-2 checkout suddenly cannot connect).
 */
export function resolveSource(options: {
  fromDatabaseUrl?: string;
  fromRedisUrl?: string;
  vm?: string;
  envVars: Record<string, string>;
  envFile: string;
}): Source {
  let databaseUrl = options.fromDatabaseUrl ?? options.envVars.DATABASE_URL;
  let redis = options.fromRedisUrl ?? options.envVars.REDIS_URL;
  const origins = [
    options.fromDatabaseUrl ? '--from-database-url' : `DATABASE_URL in ${options.envFile}`,
    options.fromRedisUrl ? '--from-redis-url' : `REDIS_URL in ${options.envFile}`,
  ];
  if (!databaseUrl || !postgresUrl.safeParse(databaseUrl).success) {
    throw new SourceError(
      `no source database: ${options.envFile} has no valid DATABASE_URL`,
      'pass --from-database-url postgres://USER:PASSWORD@VM-IP:5432/DB (or --dotenv with the Implementation-2 .env)',
    );
  }
  if (!redis || !redisUrl.safeParse(redis).success) {
    throw new SourceError(
      `no source Redis: ${options.envFile} has no valid REDIS_URL`,
      'pass --from-redis-url redis://[:PASSWORD@]VM-IP:6379',
    );
  }
  if (!options.vm) return { databaseUrl, redisUrl: redis, origin: origins.join(', ') };

  let vm: ReturnType<typeof vmInfo>;
  try {
    vm = vmInfo(options.vm);
  } catch (error) {
    if (error instanceof MultipassError) throw new SourceError(error.message, error.fix);
    throw error;
  }
  if (vm.state !== 'Running') {
    throw new SourceError(
      `the VM ${vm.name} is ${vm.state}`,
      `start it with \`multipass start ${vm.name}\`, then run this again`,
    );
  }
  const ip = pickVmAddress(vm.ipv4);
  if (!ip) {
    throw new SourceError(
      `multipass reports no IPv4 address for ${vm.name}`,
      `\`multipass restart ${vm.name}\`; if it still has none, pass --from-database-url/--from-redis-url`,
    );
  }
  // Only the URLs taken from .env get the VM's address; explicit ones are used as given.
  if (!options.fromDatabaseUrl) databaseUrl = withHost(databaseUrl, ip);
  if (!options.fromRedisUrl) redis = withHost(redis, ip);
  const moved = [options.envVars.DATABASE_URL, options.envVars.REDIS_URL]
    .filter((u): u is string => Boolean(u))
    .some((u) => URL.canParse(u) && hostOf(u) !== ip);
  return {
    databaseUrl,
    redisUrl: redis,
    vm: vm.name,
    origin: `${origins.join(', ')}; host ${ip} from \`multipass info ${vm.name}\` (of ${vm.ipv4.join(', ')})${moved ? ', .env had another IP' : ''}`,
  };
}

/** One line that says what is wrong with a connection and what to do, for the known causes. */
export function explainConnectionError(
  service: 'Postgres' | 'Redis',
  where: string,
  error: unknown,
): { message: string; fix: string } {
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code ?? '';
  const message = `${service} at ${where} does not accept the connection: ${text}`;
  if (
    code === '28P01' ||
    code === '28000' ||
    /WRONGPASS|NOAUTH|invalid password|authentication/i.test(text)
  ) {
    return {
      message,
      fix:
        service === 'Postgres'
          ? 'check the user and password in the URL (Coolify shows them in the database’s page)'
          : 'put the password in the URL: redis://default:PASSWORD@HOST:6379 (Coolify shows it in the database’s page)',
    };
  }
  if (code === '3D000') {
    return {
      message,
      fix: 'check the database name at the end of the URL (`\\l` in psql lists them)',
    };
  }
  return {
    message,
    fix: 'is the VM running and is this its IP? `multipass list` shows both; `multipass start NAME` starts it, and --vm NAME uses its current IP',
  };
}
