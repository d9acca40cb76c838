// Live events, server side: publish, the per-process reader (hub) and the Last-Event-ID replay.
// The browser's half (stream-id order, SSE framing) is `@app/shared/events/sse`, free of ioredis.
export * from './hub.server.ts';
export * from './sse.ts';
export * from './stream.ts';
