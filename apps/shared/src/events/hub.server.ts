import type { Redis } from 'ioredis';
import { decodeEntries, eventsKey, type StreamEntry } from './stream.ts';

type Listener = (entry: StreamEntry) => void;

export type EventHubOptions = {
  prefix: string;
  /** A connection of the hub's own: XREAD BLOCK would stall every other command on a shared one. */
  connect: () => Redis;
  /** A failed read; the hub waits a second and reads on. */
  onError?: (error: unknown) => void;
};

/**
 * One blocking reader of the events stream per server process, fanned out to every open
 * Server-Sent Events response: a thousand browsers cost one Redis connection, not a thousand.
 * Each process reads the stream itself, so every web process delivers every event.
 */
export class EventHub {
  private listeners = new Set<Listener>();
  private running = false;
  private redis: Redis | undefined;

  constructor(private readonly options: EventHubOptions) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.running) void this.loop();
    return () => this.listeners.delete(listener);
  }

  private async loop() {
    this.running = true;
    const key = eventsKey(this.options.prefix);
    this.redis ??= this.options.connect();
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
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}
