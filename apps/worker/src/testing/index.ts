// The worker's test kit (`@app/worker/testing`): the real job runtime in-process, and waiting for jobs.
// biome-ignore-all assist/source/organizeImports: sorting would pull the skeleton's exports into the demo block

export { waitForJob } from './jobs.ts';
export { startInProcessWorker } from './worker.ts';
// demo:start
export * from './import-fixtures.ts';
// demo:end
