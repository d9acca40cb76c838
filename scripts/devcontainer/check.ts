// Temporary path kept for scripts/docker/devcontainer.docker.test.ts (another branch owns it): delete
// this file once that import reads '../checks/devcontainer/check.ts'.
export * from '../checks/devcontainer/check.ts';
