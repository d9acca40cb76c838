// template-demo
'use client';

import type { ImportView } from '@app/db';
import { compareStreamIds } from '@app/shared/events/sse';
import { useEffect, useRef, useState } from 'react';

import type { LiveState } from './live-indicator';

export type { LiveState };

type Handlers = {
  /** An import changed; the event carries the whole import, so apply it by id. */
  onImport: (view: ImportView) => void;
  /** The stream cannot say what was missed (first connect, or too long away): refetch. */
  onResync: () => void;
};

/**
 * One EventSource on /api/events for the page. The browser reconnects by itself and sends
 * Last-Event-ID, so the server replays what was missed; events older than one already applied
 * for the same import (replay overlapping the live feed) are dropped, so progress never jumps back.
 */
export function useImportEvents(handlers: Handlers): LiveState {
  const latest = useRef(handlers);
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    latest.current = handlers;
  });

  useEffect(() => {
    const source = new EventSource('/api/events');
    const applied = new Map<string, string>();

    const onUpdate = (message: MessageEvent<string>) => {
      let view: ImportView;
      try {
        view = (JSON.parse(message.data) as { import: ImportView }).import;
      } catch {
        return;
      }
      const previous = applied.get(view.id);
      if (previous && message.lastEventId && compareStreamIds(message.lastEventId, previous) <= 0)
        return;
      if (message.lastEventId) applied.set(view.id, message.lastEventId);
      latest.current.onImport(view);
    };
    const onResync = () => {
      applied.clear();
      latest.current.onResync();
    };

    source.addEventListener('open', () => setState('live'));
    source.addEventListener('error', () => setState('reconnecting'));
    source.addEventListener('import.updated', onUpdate);
    source.addEventListener('ready', onResync);
    source.addEventListener('reset', onResync);
    return () => source.close();
  }, []);

  return state;
}
