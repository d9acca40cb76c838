import { testEnv, uniquePrefix } from '@app/db/testing';
import { type RedisServerOptions, startRedisServer } from '@app/db/testing/processes';
import { describe, expect, it } from 'vitest';
import { spawnWorker, waitUntilReady } from './testing/spawn-worker.ts';

// BullMQ loses queued jobs and locks under any eviction policy but noeviction: the worker refuses
// to start on such a server, with one line that says what to set. Redis 7 and Valkey 8.

/** Starts a worker against a server started with `options`; its exit code and output. */
async function workerOn(options: Omit<RedisServerOptions, 'appendonly'>, waitMs = 20_000) {
  const server = await startRedisServer({ appendonly: false, ...options });
  try {
    const worker = await spawnWorker({
      DATABASE_URL: (await testEnv()).databaseUrl,
      REDIS_URL: server.url,
      QUEUE_PREFIX: await uniquePrefix('evict'),
    });
    const code = await Promise.race([
      worker.exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running'), waitMs)),
    ]);
    if (code === 'still running') {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    const lines = worker.output().split('\n').filter(Boolean);
    return { code, lines, worker };
  } finally {
    await server.stop();
  }
}

function expectRefusal(result: { code: unknown; lines: string[] }, policy: string) {
  expect(result.code, result.lines.join('\n')).toBe(1);
  const refusal = result.lines.filter((line) => line.includes('maxmemory-policy'));
  expect(refusal).toHaveLength(1);
  expect(refusal[0]).toContain(`maxmemory-policy ${policy}; BullMQ needs noeviction`);
  expect(refusal[0]).toContain('CONFIG SET maxmemory-policy noeviction');
  expect(result.lines.some((line) => /^\s+at /.test(line) || /\\n\s+at /.test(line))).toBe(false);
}

describe('the worker checks maxmemory-policy at start', () => {
  it('refuses Redis 7 with allkeys-lru, in one line naming the fix', async () => {
    expectRefusal(await workerOn({ maxmemoryPolicy: 'allkeys-lru' }), 'allkeys-lru');
  });

  it('refuses Valkey 8 with allkeys-lru the same way', async () => {
    expectRefusal(
      await workerOn({ binary: 'valkey-server', maxmemoryPolicy: 'allkeys-lru' }),
      'allkeys-lru',
    );
  });

  it('reads the policy from INFO when CONFIG is refused, as on managed services', async () => {
    expectRefusal(
      await workerOn({ maxmemoryPolicy: 'volatile-lru', args: ['--rename-command', 'CONFIG', ''] }),
      'volatile-lru',
    );
  });

  it('starts on noeviction with CONFIG refused (no warning: INFO reports it)', async () => {
    const server = await startRedisServer({
      appendonly: false,
      args: ['--rename-command', 'CONFIG', ''],
    });
    const worker = await spawnWorker({
      DATABASE_URL: (await testEnv()).databaseUrl,
      REDIS_URL: server.url,
      QUEUE_PREFIX: await uniquePrefix('evict'),
    });
    try {
      await waitUntilReady(worker, 45_000);
      expect(worker.output()).not.toMatch(/maxmemory-policy/);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await server.stop();
    }
  });
});
