import { backupState } from '@/server/backups.server';
import { sincePostgresUnavailable } from '@/server/http.server';
import { services, whenRedisReady, withTimeout } from '@/server/services.server';

export const dynamic = 'force-dynamic';

// A request that found Postgres unavailable this recently makes the check fail even when `select 1`
// works: at a connection limit, the pool's open connections still answer while requests that need
// another one are refused (53300), and "ok" would be a lie.
const RECENT_FAILURE_MS = 10_000;

/**
 * Liveness and readiness for Docker, Coolify and the deploy script: 200 when Postgres and Redis
 * answer (and no request found Postgres unavailable in the last 10 s), 503 otherwise, always within
 * about a second. `version` is what the deploy waits for. `checks.backup` (ok, stale, failing,
 * none; unknown when it cannot be read in time) informs and never fails the check: a missed backup
 * must not make a proxy take a healthy app out of service.
 */
export async function GET() {
  const { db, redis, version } = services();
  let backup = 'unknown';
  const [selectOk, redisOk] = await Promise.all([
    withTimeout(db.sql`select 1`, 1000),
    // Within the same second: a connection still (re)connecting gets the rest of it to be ready.
    withTimeout(
      whenRedisReady(redis, 1000).then((ready) => (ready ? redis.ping() : Promise.reject())),
      1000,
    ),
    withTimeout(
      backupState().then((state) => {
        backup = state.health;
      }),
      1000,
    ),
  ]);
  const dbOk = selectOk && sincePostgresUnavailable() > RECENT_FAILURE_MS;
  const ok = dbOk && redisOk;
  return Response.json(
    {
      status: ok ? 'ok' : 'degraded',
      version,
      checks: { db: dbOk ? 'ok' : 'down', redis: redisOk ? 'ok' : 'down', backup },
    },
    { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
}
