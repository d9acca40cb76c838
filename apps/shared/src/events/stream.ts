// demo:start
import type { ImportView } from '@app/db';
// demo:end
import type { Redis } from 'ioredis';
import { compareStreamIds } from './sse.ts';

/**
 * Live events (import progress and status) go through a capped Redis Stream rather than pub/sub:
 * stream ids are ordered across processes, so a browser that reconnects with Last-Event-ID gets
 * exactly what it missed, and a web process that restarts loses nothing it needs.
 */
export type AppEvent =
  // The example job processed a row: the example page refreshes.
  | { type: 'example.processed'; id: string }
  // demo:start
  | { type: 'import.updated'; import: ImportView }
  // demo:end
  | never;

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

type RawEntry = [string, string[]];

/** Entries one XRANGE reads; a replay reads as many pages as it needs. */
export const REPLAY_PAGE = 1000;

/**
 * Sends every event after `lastId` to `send`, page by page (never the whole gap in memory), up to
 * the newest entry when the replay started: later ones reach the client through the live feed it
 * subscribed to first. Answers 'reset' when the stream cannot say what was missed: it was trimmed
 * past `lastId` (before or during the replay), or it no longer holds anything up to `lastId`
 * (Redis lost its data). The client then refetches its state; some events may already have been
 * sent, which is harmless since a refetch supersedes them.
 */
export async function replayEvents(
  redis: Redis,
  prefix: string,
  lastId: string,
  send: (entry: StreamEntry) => void,
): Promise<'replayed' | 'reset'> {
  const key = eventsKey(prefix);
  const oldestId = async () =>
    ((await redis.xrange(key, '-', '+', 'COUNT', 1)) as RawEntry[])[0]?.[0];
  const [newest] = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as RawEntry[];
  const oldest = await oldestId();
  if (!newest || !oldest) return 'reset';
  if (compareStreamIds(oldest, lastId) > 0 || compareStreamIds(lastId, newest[0]) > 0) {
    return 'reset';
  }
  let after = lastId;
  while (compareStreamIds(after, newest[0]) < 0) {
    const page = (await redis.xrange(
      key,
      `(${after}`,
      newest[0],
      'COUNT',
      REPLAY_PAGE,
    )) as RawEntry[];
    const last = page.at(-1);
    if (!last) return 'replayed';
    // Trimmed while we read: the entries between `after` and this page may be gone.
    const first = await oldestId();
    if (!first || compareStreamIds(first, after) > 0) return 'reset';
    for (const entry of decodeEntries(page)) send(entry);
    after = last[0];
  }
  return 'replayed';
}
