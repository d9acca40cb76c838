// What the web app, scripts and the worker agree on: job definitions (name, queue, payload schema,
// retry policy, schedule), queue names and live-event shapes. Nothing here runs a job or opens a
// connection (BullMQ and ioredis appear as types only), so the web can import it without pulling
// in the worker. Producers enqueue with `@app/shared/queues`; connections come from `@app/shared/redis`.
export * from './events/stream.ts';
export * from './jobs/define.ts';
export * from './jobs/definitions/index.ts';
