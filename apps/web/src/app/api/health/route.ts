import { services, whenRedisReady, withTimeout } from '@/server/services.server';

export const dynamic = 'force-dynamic';

/**
 * Liveness and readiness for Docker, Coolify and the deploy script: 200 when Postgres and Redis
 * answer, 503 otherwise, always within about a second. `version` is what the deploy waits for.
 */
export async function GET() {
  const { db, redis, version } = services();
  const [dbOk, redisOk] = await Promise.all([
    withTimeout(db.sql`select 1`, 1000),
    // Within the same second: a connection still (re)connecting gets the rest of it to be ready.
    withTimeout(
      whenRedisReady(redis, 1000).then((ready) => (ready ? redis.ping() : Promise.reject())),
      1000,
    ),
  ]);
  const ok = dbOk && redisOk;
  return Response.json(
    {
      status: ok ? 'ok' : 'degraded',
      version,
      checks: { db: dbOk ? 'ok' : 'down', redis: redisOk ? 'ok' : 'down' },
    },
    { status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
}
