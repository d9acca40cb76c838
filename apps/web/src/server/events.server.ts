import { type AppEvent, decodeEntries, eventsKey, type StreamEntry } from '@app/shared/contracts';
import { compareStreamIds } from '@app/shared/events/sse';
import { watchErrors } from '@app/shared/logger';
import { createWorkerConnection } from '@app/shared/redis';
import type { Redis } from 'ioredis';
import { env } from '../env';
import { services } from './services.server';

type Listener = (entry: StreamEntry) => void;

/**
 * One blocking reader of the events stream per server process, fanned out to every open
 * Server-Sent Events response: a thousand browsers cost one Redis connection, not a thousand.
 */
class EventHub {
  private listeners = new Set<Listener>();
  private running = false;
  private redis: Redis | undefined;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.running) void this.loop();
    return () => this.listeners.delete(listener);
  }

  private async loop() {
    this.running = true;
    const key = eventsKey(env().QUEUE_PREFIX);
    // A blocking connection of its own: XREAD BLOCK would stall every other command on it.
    this.redis ??= watchErrors(
      createWorkerConnection(env().REDIS_URL),
      services().logger,
      'redis:events',
    );
    let lastId = '$';
    while (this.running) {
      try {
        const reply = (await this.redis.xread(
          'COUNT',
          500,
          'BLOCK',
          10_000,
          'STREAMS',
          key,
          lastId,
        )) as [string, [string, string[]][]][] | null;
        for (const [, entries] of reply ?? []) {
          for (const entry of decodeEntries(entries)) {
            lastId = entry.id;
            for (const listener of this.listeners) listener(entry);
          }
        }
      } catch (error) {
        services().logger.debug({ err: error }, 'events reader: retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}

const globalForHub = globalThis as typeof globalThis & { __eventHub?: EventHub };
export const eventHub = () => {
  globalForHub.__eventHub ??= new EventHub();
  return globalForHub.__eventHub;
};

/** Entries one XRANGE reads; a replay reads as many pages as it needs. */
const REPLAY_PAGE = 1000;

/**
 * Every event after `lastId`, or `undefined` when the stream no longer reaches back that far (it
 * was trimmed past it: the client must refetch its state). Reads page after page until it has
 * caught up, so a client that missed more than one page gets all of it, never a silent part.
 */
export async function eventsSince(lastId: string): Promise<StreamEntry[] | undefined> {
  const { redis } = services();
  const key = eventsKey(env().QUEUE_PREFIX);
  const [oldest] = (await redis.xrange(key, '-', '+', 'COUNT', 1)) as [string, string[]][];
  if (oldest && compareStreamIds(oldest[0], lastId) > 0) return undefined;
  const missed: StreamEntry[] = [];
  let after = lastId;
  for (;;) {
    const page = (await redis.xrange(key, `(${after}`, '+', 'COUNT', REPLAY_PAGE)) as [
      string,
      string[],
    ][];
    missed.push(...decodeEntries(page));
    const last = page.at(-1);
    if (!last || page.length < REPLAY_PAGE) return missed;
    after = last[0];
  }
}

export type { AppEvent };
