export * from './client.ts';
// demo:start
export * from './import-files.ts';
// demo:end
export * as schema from './schema.ts';
export * from './schema.ts';
// demo:start
export * from './views.ts';
// demo:end
