import { EventHub, replayEvents, type StreamEntry } from '@app/shared/events';
import { watchErrors } from '@app/shared/logger';
import { createWorkerConnection } from '@app/shared/redis';
import { env } from '../env';
import { services } from './services.server';

// The web's wiring of @app/shared/events: this process's hub and replay, on its env's stream.

const globalForHub = globalThis as typeof globalThis & { __eventHub?: EventHub };
export const eventHub = () => {
  globalForHub.__eventHub ??= new EventHub({
    prefix: env().QUEUE_PREFIX,
    connect: () =>
      watchErrors(
        createWorkerConnection(env().REDIS_URL, env().REDIS_CA_FILE),
        services().logger,
        'redis:events',
      ),
    onError: (error) => services().logger.debug({ err: error }, 'events reader: retrying'),
  });
  return globalForHub.__eventHub;
};

/** What a client missed after `lastId` (see replayEvents): 'reset' when it must refetch. */
export function replaySince(lastId: string, send: (entry: StreamEntry) => void) {
  return replayEvents(services().redis, env().QUEUE_PREFIX, lastId, send);
}
