// The worker's test kit (`@app/worker/testing`): the real job runtime in-process, and waiting for jobs.

// demo:start
export * from './import-fixtures.ts';
export { waitForJob } from './jobs.ts';
export { startInProcessWorker } from './worker.ts';
// demo:end
