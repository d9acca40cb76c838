import { type StreamEntry, sseComment, sseFrame, sseRetry } from '@app/shared/events';
import { eventHub, replaySince } from '@/server/events.server';
import { services } from '@/server/services.server';

export const dynamic = 'force-dynamic';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: import progress and status changes. A client that reconnects with
 * Last-Event-ID gets what it missed; if that is too old, a `reset` event tells it to refetch.
 */
export async function GET(request: Request) {
  const lastEventId = request.headers.get('last-event-id');
  const encoder = new TextEncoder();
  let cleanup = () => {};

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      // Subscribe first, then replay: an event arriving in between is sent twice, never lost;
      // clients apply events idempotently (they carry the whole import).
      const sendEntry = ({ id, event }: StreamEntry) =>
        send(sseFrame({ id, event: event.type, data: event }));
      const unsubscribe = eventHub().subscribe(sendEntry);
      const heartbeat = setInterval(() => send(sseComment('keep-alive')), HEARTBEAT_MS);
      cleanup = () => {
        clearInterval(heartbeat);
        unsubscribe();
      };
      request.signal.addEventListener('abort', () => {
        cleanup();
        try {
          controller.close();
        } catch {}
      });

      send(sseRetry(3000));
      if (!lastEventId) return send(sseFrame({ event: 'ready', data: {} }));
      const replay = await replaySince(lastEventId, sendEntry).catch((error: Error) => {
        services().logger.debug({ err: error }, 'replay failed');
        return 'reset' as const;
      });
      if (replay === 'reset') send(sseFrame({ event: 'reset', data: {} }));
    },
    cancel() {
      cleanup();
    },
  });

  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies (nginx, Traefik in Coolify) must not buffer the stream.
      'x-accel-buffering': 'no',
    },
  });
}
