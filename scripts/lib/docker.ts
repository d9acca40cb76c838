import { spawnSync } from 'node:child_process';

export type DockerStatus = { engine: boolean; compose: boolean; detail: string };

/** Whether a Docker engine answers (not just whether the client is installed). */
export function dockerStatus(): DockerStatus {
  const client = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  if (client.error) return { engine: false, compose: false, detail: 'docker client not installed' };
  if (client.status !== 0) {
    return { engine: false, compose: false, detail: 'docker client found, but no engine answers' };
  }
  const compose = spawnSync('docker', ['compose', 'version', '--short'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return {
    engine: true,
    compose: compose.status === 0,
    detail: `engine ${client.stdout.trim()}${compose.status === 0 ? `, compose ${compose.stdout.trim()}` : ', no compose plugin'}`,
  };
}
