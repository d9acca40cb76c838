import type { ImportView } from '@app/db';
import type { Redis } from 'ioredis';

/**
 * Live events (import progress and status) go through a capped Redis Stream rather than pub/sub:
 * stream ids are ordered across processes, so a browser that reconnects with Last-Event-ID gets
 * exactly what it missed, and a web process that restarts loses nothing it needs.
 */
export type AppEvent = { type: 'import.updated'; import: ImportView };

/** Roughly the last 10k events are kept: enough for any reconnect; the database has the rest. */
const MAX_EVENTS = 10_000;

export const eventsKey = (prefix: string) => `${prefix}:app-events`;

export async function publishEvent(redis: Redis, prefix: string, event: AppEvent): Promise<void> {
  await redis.xadd(
    eventsKey(prefix),
    'MAXLEN',
    '~',
    String(MAX_EVENTS),
    '*',
    'event',
    JSON.stringify(event),
  );
}

export type StreamEntry = { id: string; event: AppEvent };

/** Decodes XREAD/XRANGE entries, skipping any that are not ours. */
export function decodeEntries(entries: [string, string[]][]): StreamEntry[] {
  const decoded: StreamEntry[] = [];
  for (const [id, fields] of entries) {
    const index = fields.indexOf('event');
    const raw = index >= 0 ? fields[index + 1] : undefined;
    if (!raw) continue;
    try {
      decoded.push({ id, event: JSON.parse(raw) as AppEvent });
    } catch {
      // A malformed entry is skipped, not fatal for every listener.
    }
  }
  return decoded;
}
