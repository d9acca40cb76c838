export * from './client.ts';
export * from './import-files.ts';
export * as schema from './schema.ts';
export * from './schema.ts';
export * from './views.ts';
