import {
  type AppEvent,
  createWorkerConnection,
  decodeEntries,
  eventsKey,
  type StreamEntry,
} from '@app/worker/contracts';
import { watchErrors } from '@app/worker/logger';
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

/**
 * Events after `lastId` still in the stream, or `undefined` when the stream no longer reaches
 * back that far (the client must refetch its state instead).
 */
export async function eventsSince(lastId: string): Promise<StreamEntry[] | undefined> {
  const { redis } = services();
  const key = eventsKey(env().QUEUE_PREFIX);
  const [oldest] = (await redis.xrange(key, '-', '+', 'COUNT', 1)) as [string, string[]][];
  if (oldest && compareIds(oldest[0], lastId) > 0) return undefined;
  const entries = (await redis.xrange(key, `(${lastId}`, '+', 'COUNT', 1000)) as [
    string,
    string[],
  ][];
  return decodeEntries(entries);
}

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

export type { AppEvent };
