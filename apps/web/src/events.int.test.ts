import { testEnv } from '@app/db/testing';
import { type AppEvent, eventsKey, publishEvent } from '@app/shared/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProductionApp, startProductionApp } from '../e2e/support/production-app';

// Live events through the front door: GET /api/events on the production server, real Redis.
// Events are published as the worker publishes them (publishEvent on the app's stream).

type Frame = { id?: string; event: string; data: string };

/** Opens /api/events and collects frames until `done(frames)` says so (or `timeoutMs` passes). */
async function readEvents(
  app: ProductionApp,
  options: { lastEventId?: string; done: (frames: Frame[]) => boolean; timeoutMs?: number },
): Promise<Frame[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs ?? 20_000);
  const headers: Record<string, string> = options.lastEventId
    ? { 'last-event-id': options.lastEventId }
    : {};
  const frames: Frame[] = [];
  try {
    const response = await app.fetch('/api/events', { headers, signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!options.done(frames)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: Frame = { event: 'message', data: '' };
        let any = false;
        for (const line of block.split('\n')) {
          const [field, ...rest] = line.split(': ');
          const value = rest.join(': ');
          if (field === 'id') frame.id = value;
          else if (field === 'event') frame.event = value;
          else if (field === 'data') frame.data = value;
          else continue;
          any = true;
        }
        if (any) frames.push(frame);
        end = buffer.indexOf('\n\n');
      }
    }
    await reader.cancel().catch(() => {});
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return frames;
}

const event = (n: number) =>
  ({ type: 'import.updated', import: { id: `imp-${n}`, processedRows: n } }) as unknown as AppEvent;
const updates = (frames: Frame[]) => frames.filter((f) => f.event === 'import.updated');
const rowsOf = (frames: Frame[]) =>
  updates(frames).map(
    (f) => (JSON.parse(f.data) as { import: { processedRows: number } }).import.processedRows,
  );

/** Publishes events `from`…`to` in order and returns their stream ids. */
async function publishRange(redis: Redis, prefix: string, from: number, to: number) {
  for (let n = from; n <= to; n++) await publishEvent(redis, prefix, event(n));
  const entries = (await redis.xrevrange(eventsKey(prefix), '+', '-', 'COUNT', 1)) as [
    string,
    string[],
  ][];
  return entries[0]?.[0] ?? '';
}

describe('live events through the production server', () => {
  let app: ProductionApp;
  let second: ProductionApp;
  let redis: Redis;

  beforeAll(async () => {
    const env = await testEnv();
    redis = new Redis(env.redisUrl);
    app = await startProductionApp(env, { worker: false });
    // A second web process on the same Redis and stream, as a scaled-out web would be.
    second = await startProductionApp(env, { worker: false, env: { QUEUE_PREFIX: app.prefix } });
  });
  afterAll(async () => {
    await redis?.del(eventsKey(app.prefix));
    await Promise.all([app?.stop(), second?.stop()]);
    redis?.disconnect();
  });

  it('replays exactly what a client missed after its Last-Event-ID, in order, across pages', async () => {
    const seen = await publishRange(redis, app.prefix, 0, 0);
    // More than one XRANGE page (1,000), fewer than the stream keeps (~10,000).
    await publishRange(redis, app.prefix, 1, 2500);
    const frames = await readEvents(app, {
      lastEventId: seen,
      done: (f) => updates(f).length >= 2500 || f.some((x) => x.event === 'reset'),
    });
    expect(frames.some((f) => f.event === 'reset')).toBe(false);
    expect(rowsOf(frames)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it('sends reset to a client that missed more than the stream keeps', async () => {
    const seen = await publishRange(redis, app.prefix, 3000, 3000);
    // Past the cap (~10,000 entries kept): the entry after `seen` is trimmed away.
    const pipeline = redis.pipeline();
    for (let n = 0; n < 12_000; n++) {
      pipeline.xadd(
        eventsKey(app.prefix),
        'MAXLEN',
        '~',
        '10000',
        '*',
        'event',
        JSON.stringify(event(n)),
      );
    }
    await pipeline.exec();
    const frames = await readEvents(app, {
      lastEventId: seen,
      done: (f) => f.some((x) => x.event === 'reset'),
    });
    // The hub may still be handing the 12,000 new entries to live clients; what matters is that
    // this client is told to refetch rather than given a replay with a hole in it.
    expect(frames.map((f) => f.event)).toContain('reset');
  });

  it('sends reset to a client whose id the stream never reached (Redis lost the stream)', async () => {
    const seen = await publishRange(redis, app.prefix, 4000, 4000);
    // As after a Redis restart without persistence: the stream starts again, with newer-looking
    // ids nowhere near what the client saw (here: the client is ahead of everything kept).
    const [ms = '0'] = seen.split('-');
    const frames = await readEvents(app, {
      lastEventId: `${Number(ms) + 60_000}-0`,
      done: (f) => f.some((x) => x.event === 'reset'),
    });
    // (Live frames may arrive too: the hub may still be handing out the earlier tests' entries.)
    expect(frames.map((f) => f.event)).toContain('reset');
  });

  it('two web processes deliver the same live events to their clients', async () => {
    // Only this test's events count: a hub may still be handing out the earlier tests' entries.
    const ours = (frames: Frame[]) =>
      updates(frames).filter(
        (f) =>
          (JSON.parse(f.data) as { import: { processedRows: number } }).import.processedRows >
          90_000,
      );
    const listening = [app, second].map((server) =>
      readEvents(server, { done: (f) => ours(f).length >= 3 }),
    );
    // Both streams are open (the `ready` frame is sent at once); give the readers a moment.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await publishRange(redis, app.prefix, 90_001, 90_003);
    const [first, other] = (await Promise.all(listening)) as [Frame[], Frame[]];
    expect(rowsOf(ours(first))).toEqual([90_001, 90_002, 90_003]);
    expect(ours(other).map((f) => [f.id, f.data])).toEqual(ours(first).map((f) => [f.id, f.data]));
  });
});
