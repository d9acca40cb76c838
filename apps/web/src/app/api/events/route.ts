import { sseFrame } from '@app/shared/events/sse';
import { eventHub, eventsSince } from '@/server/events.server';
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
      const unsubscribe = eventHub().subscribe(({ id, event }) =>
        send(sseFrame({ id, event: event.type, data: event })),
      );
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
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

      send('retry: 3000\n\n');
      if (!lastEventId) return send(sseFrame({ event: 'ready', data: {} }));
      const missed = await eventsSince(lastEventId).catch((error: Error) => {
        services().logger.debug({ err: error }, 'replay failed');
        return undefined;
      });
      if (!missed) return send(sseFrame({ event: 'reset', data: {} }));
      for (const { id, event } of missed) send(sseFrame({ id, event: event.type, data: event }));
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
