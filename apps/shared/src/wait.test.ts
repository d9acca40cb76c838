import { describe, expect, it } from 'vitest';
import { PollFailed, pollUntil, WaitTimeout, within } from './wait.ts';

describe('pollUntil', () => {
  it('returns the first answer that is not undefined/false, retrying through errors', async () => {
    let calls = 0;
    const value = await pollUntil(
      () => {
        calls++;
        if (calls === 1) throw new Error('refused');
        return calls === 3 ? 'ready' : undefined;
      },
      { what: 'demo', timeoutMs: 5000, intervalMs: 1 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out naming what it waited for and the last error', async () => {
    const wait = pollUntil(
      () => {
        throw new Error('ECONNREFUSED 127.0.0.1:3000');
      },
      { what: 'web at :3000', timeoutMs: 50, intervalMs: 5 },
    );
    await expect(wait).rejects.toThrow(WaitTimeout);
    await expect(wait).rejects.toThrow(
      'web at :3000: not ready after 0.05 s (last: ECONNREFUSED 127.0.0.1:3000)',
    );
  });

  it("stops with the caller's reason when its signal aborts", async () => {
    const controller = new AbortController();
    const wait = pollUntil(() => undefined, {
      what: 'x',
      timeoutMs: 60_000,
      intervalMs: 5,
      signal: controller.signal,
    });
    controller.abort(new Error('make up exited (code 1)'));
    await expect(wait).rejects.toThrow('make up exited (code 1)');
  });
});

describe('within', () => {
  it('gives the value of a promise that settles, and timeout for one that does not', async () => {
    expect(await within(Promise.resolve(7), 1000)).toBe(7);
    expect(await within(new Promise(() => {}), 10)).toBe('timeout');
  });
});

describe('pollUntil stops early and explains itself', () => {
  it('rethrows PollFailed at once instead of waiting out the timeout', async () => {
    const started = Date.now();
    await expect(
      pollUntil(
        () => {
          throw new PollFailed('the process exited (1)');
        },
        { what: 'demo', timeoutMs: 10_000, intervalMs: 1 },
      ),
    ).rejects.toThrow('the process exited (1)');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('puts the caller’s detail in the timeout message', async () => {
    await expect(
      pollUntil(() => false, {
        what: 'import 7',
        timeoutMs: 50,
        intervalMs: 5,
        detail: () => 'status=running',
      }),
    ).rejects.toThrow('import 7: not ready after 0.05 s (status=running)');
  });
});
