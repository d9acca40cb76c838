// What producers (the web app, scripts, tests) may use: job definitions, queues and connections.
// Handlers are deliberately not exported: the worker alone runs jobs.

// Live events live in @app/shared/events; re-exported for the producers that import them here.
export * from '@app/shared/events';
export * from './jobs/define.ts';
export * from './jobs/definitions/index.ts';
export * from './jobs/queues.ts';
export * from './lib/redis.ts';
