/**
 * The Coolify topology (docs/decisions/0031-coolify-topology.md): Postgres and Redis are Coolify
 * database resources; web and each worker are Docker Image applications that pull
 * ghcr.io/<repo>/{web,worker}:sha-<commit>. The deploy command and `make coolify-setup` both read
 * this file, so what setup creates is what the deploy checks for.
 */

/** The immutable tag the workflow pushes for a commit (docker/metadata-action `type=sha,format=long`). */
export const imageTag = (sha: string) => `sha-${sha}`;
export const shaOfTag = (tag: string | null | undefined) =>
  tag && /^sha-[0-9a-f]{40}$/.test(tag) ? tag.slice(4) : undefined;

export type Role = 'web' | 'worker';

/** Variables every application needs before its first deploy; without them the app cannot start. */
export const requiredEnvs: Record<Role, string[]> = {
  web: ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'BASIC_AUTH_PASSWORD'],
  worker: ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'MIGRATE_ON_START'],
};

/** Coolify's health check per role: the rolling update waits for it before stopping the old container. */
export const healthChecks: Record<Role, { path: string; port: number }> = {
  web: { path: '/api/health', port: 3000 },
  worker: { path: '/healthz', port: 3001 },
};

export type AppRef = { uuid: string; role: Role; label: string };

/**
 * Deploy order: the first worker migrates (MIGRATE_ON_START) and only reports healthy after the
 * migrations, so once its deployment finished the schema is there for the new web. Rollback runs
 * the same list backwards.
 */
export function deployOrder(webUuid: string, workerUuids: string[]): AppRef[] {
  return [
    ...workerUuids.map((uuid, i) => ({
      uuid,
      role: 'worker' as const,
      label: workerUuids.length > 1 ? `worker ${i + 1}` : 'worker',
    })),
    { uuid: webUuid, role: 'web' as const, label: 'web' },
  ];
}
