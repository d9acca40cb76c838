import { setTimeout as sleep } from 'node:timers/promises';
import { testEnv, uniquePrefix } from '@app/db/testing';
import { type RedisServer, startRedisServer } from '@app/db/testing/processes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWorkerBundle,
  type SpawnedWorker,
  spawnWorkerBundle,
  waitUntilReady,
} from '../../worker/src/testing/spawn-worker';
import {
  type StagedWeb,
  stageStandaloneWeb,
  startWeb,
  type WebServer,
  waitForHealthy,
} from '../e2e/support/standalone-server';

/**
 * A rotated Redis password, then a Redis outage, seen by the production web server and the
 * bundled worker. Without an `error` listener on every client, ioredis and BullMQ print the failed
 * AUTH command (with the password) and multi-line dumps through console.error, dozens a second.
 * Asserted on everything both processes print: no password, JSON only, few lines.
 */

const oldPassword = 'old-redis-password-7f3a9c';
const newPassword = 'new-redis-password-2b8e41';
const user = 'operator';
const webPassword = 'a-long-test-password';
const authorization = `Basic ${Buffer.from(`${user}:${webPassword}`).toString('base64')}`;
// Each phase lasts this long; with one line per error code per 30 s, a handful of lines.
const PHASE_MS = 8000;
const MAX_LINES_PER_PHASE = 12;

describe('Redis password rotated, then Redis down (production web + worker bundle)', () => {
  let redis: RedisServer;
  let staged: StagedWeb;
  let web: WebServer;
  let worker: SpawnedWorker;

  beforeAll(async () => {
    const env = await testEnv();
    redis = await startRedisServer({ appendonly: false, requirepass: oldPassword });
    const redisUrl = redis.url.replace('redis://', `redis://:${oldPassword}@`);
    const prefix = await uniquePrefix('redispass');
    const common = {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    [staged] = await Promise.all([stageStandaloneWeb(), buildWorkerBundle()]);
    // Redis is down when the test ends: the worker gives up on its jobs' graceful close soon.
    worker = await spawnWorkerBundle({ ...common, SHUTDOWN_TIMEOUT_MS: '2000' });
    web = await startWeb(staged, {
      ...common,
      BASIC_AUTH_USER: user,
      BASIC_AUTH_PASSWORD: webPassword,
      WORKER_HEALTH_URL: `http://127.0.0.1:${worker.port}`,
      NEXT_TELEMETRY_DISABLED: '1',
    });
    await Promise.all([waitUntilReady(worker, 60_000), waitForHealthy(web)]);
  }, 300_000);

  afterAll(async () => {
    web?.child.kill('SIGTERM');
    worker?.child.kill('SIGTERM');
    await Promise.all([web?.exited, worker?.exited, redis?.stop()]);
    await staged?.remove();
  }, 60_000);

  /** Traffic that touches Redis on every path: health, and a job queued (the skeleton's example). */
  async function drive(ms: number) {
    const deadline = Date.now() + ms;
    const headers = { authorization, origin: web.url, 'content-type': 'application/json' };
    while (Date.now() < deadline) {
      const body = JSON.stringify({ message: 'during a Redis fault' });
      await Promise.all([
        fetch(`${web.url}/api/health`).then((r) => r.body?.cancel()),
        fetch(`${web.url}/api/examples`, { method: 'POST', headers, body }).then((r) =>
          r.body?.cancel(),
        ),
      ]).catch(() => undefined);
      await sleep(250);
    }
  }

  /** What a process printed since `from`: every line JSON, none with a password. */
  function check(output: string, from: number, what: string) {
    const printed = output.slice(from);
    expect(printed, `${what} printed a Redis password`).not.toContain(oldPassword);
    expect(printed).not.toContain(newPassword);
    const lines = printed.split('\n').filter((line) => line.trim());
    const notJson = lines.filter((line) => !isJson(line));
    expect(notJson, `${what} printed non-JSON lines`).toEqual([]);
    expect(lines.length, `${what} printed too many lines:\n${printed}`).toBeLessThanOrEqual(
      MAX_LINES_PER_PHASE,
    );
    return lines.map((line) => JSON.parse(line) as { code?: string; msg?: string });
  }

  it('never prints the password, and logs a few JSON lines that say what to fix', async () => {
    // Rotation: the server gets a new password and drops every client; ours keep the old one.
    const admin = new Redis(redis.url, { password: oldPassword, lazyConnect: true });
    await admin.connect();
    await admin.config('SET', 'requirepass', newPassword);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub', 'SKIPME', 'yes');
    admin.disconnect();
    const webFrom = web.output().length;
    const workerFrom = worker.output().length;
    await drive(PHASE_MS);

    const webLines = check(web.output(), webFrom, 'web');
    const workerLines = check(worker.output(), workerFrom, 'worker');
    // Both saw the refusal and said so (otherwise this test proves nothing).
    expect(workerLines.map((l) => l.code)).toContain('WRONGPASS');
    expect(webLines.map((l) => l.code)).toContain('WRONGPASS');
    expect(web.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();

    // An outage: connection refused on every reconnect, for every client.
    const outageWeb = web.output().length;
    const outageWorker = worker.output().length;
    await redis.stop();
    await drive(PHASE_MS);
    const webOutage = check(web.output(), outageWeb, 'web during the outage');
    const workerOutage = check(worker.output(), outageWorker, 'worker during the outage');
    expect(workerOutage.map((l) => l.code)).toContain('ECONNREFUSED');
    expect(webOutage.map((l) => l.code)).toContain('ECONNREFUSED');
  }, 120_000);
});

function isJson(line: string): boolean {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
}
