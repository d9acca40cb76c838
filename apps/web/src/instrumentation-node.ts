import { EnvError } from '@app/shared/env';
import { RedisConfigError, redisOptions } from '@app/shared/redis';
import { env } from './env';
import { installClientAddress } from './server/client-address.server';
import { connectServices, services } from './server/services.server';
import { refuseUnsupportedMethods } from './server/unsupported-methods.server';

// Validate the environment before any request is served: one line per problem, exit 1.
try {
  env();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(
    `web: invalid environment (fix .env or the variables below; see .env.example):\n${error.problems.join('\n')}`,
  );
  process.exit(1);
}
// An unreadable REDIS_CA_FILE stops the start the same way, not at the first request.
try {
  redisOptions(env().REDIS_URL, env().REDIS_CA_FILE);
} catch (error) {
  if (!(error instanceof RedisConfigError)) throw error;
  console.error(`web: ${error.message}`);
  process.exit(1);
}

// Before the first request is handled: which peer's X-Forwarded-For to believe (defect: a client
// could pick its own rate-limit bucket). A proxy we ignore is named once, with the fix.
const warned = new Set<string>();
installClientAddress(env().TRUSTED_PROXIES, (peer) => {
  if (warned.has(peer) || warned.size >= 20) return;
  warned.add(peer);
  services().logger.warn(
    { peer },
    `X-Forwarded-For from ${peer} ignored: if ${peer} is your reverse proxy, add it (or its network) to TRUSTED_PROXIES (docs/security.md › Client address)`,
  );
});

/** Runs before the first request is served: Redis is connected by then (see connectServices). */
export async function start(): Promise<void> {
  await connectServices();
}

// Before the first request: TRACE and TRACK get a 405 instead of Next's 500 and stack trace.
refuseUnsupportedMethods();
