import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnv, uniquePrefix } from '@app/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type StagedWeb,
  stageStandaloneWeb,
  startWeb,
  type WebServer,
} from '../../../../e2e/support/standalone-server';

/**
 * The first /api/health after a start, through the production server: Docker's HEALTHCHECK,
 * `make up` and the deploy script all ask it first thing, so it must already tell the truth.
 * Only TCP is polled before that request: any earlier HTTP request would hide the bug.
 */

async function waitListening(server: WebServer, timeoutMs = 60_000): Promise<void> {
  const { hostname, port } = new URL(server.url);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) {
      throw new Error(`web exited early (${server.child.exitCode}):\n${server.output()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
      socket.connect(Number(port), hostname);
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`web not listening after ${timeoutMs} ms:\n${server.output()}`);
}

async function firstHealth(redisUrl: string) {
  const env = await testEnv();
  web = await startWeb(staged, {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: await uniquePrefix('health'),
    LOG_LEVEL: 'warn',
    PUBLIC_DEMO: 'true',
    NEXT_TELEMETRY_DISABLED: '1',
  });
  await waitListening(web);
  const response = await fetch(`${web.url}/api/health`);
  return {
    status: response.status,
    body: (await response.json()) as {
      status: string;
      checks: { db: string; redis: string; backup: string };
    },
  };
}

let staged: StagedWeb;
let web: WebServer | undefined;

beforeAll(async () => {
  staged = await stageStandaloneWeb();
}, 300_000);

afterEach(async () => {
  await web?.stop();
  web = undefined;
});

afterAll(async () => {
  await staged?.remove();
});

describe('the first /api/health after a start', () => {
  it('answers 200 with redis ok when Redis is up', async () => {
    const { redisUrl } = await testEnv();
    const first = await firstHealth(redisUrl);
    expect(first.body.checks).toEqual({ db: 'ok', redis: 'ok', backup: expect.any(String) });
    expect(first.status).toBe(200);
  });

  it('answers 503 with redis down when nothing listens at REDIS_URL', async () => {
    const first = await firstHealth(`redis://127.0.0.1:${await freePort()}`);
    expect(first.body.checks).toEqual({ db: 'ok', redis: 'down', backup: expect.any(String) });
    expect(first.status).toBe(503);
  });
});
