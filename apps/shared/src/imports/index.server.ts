// template-demo
// The import lifecycle, one owner: every state change (create, claim, commit a batch, complete,
// fail, retry, cancel), the views the pages show and the `import.updated` events they publish.
// The web's routes and pages and the worker's import job call it; see docs/imports.md.
export * from './context.ts';
export * from './errors.ts';
export * from './requests.server.ts';
export * from './run.server.ts';
export * from './views.server.ts';
