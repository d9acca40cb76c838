import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, type DbClient } from '@app/db';
import { insertExamples, resetDatabase, testEnv, uniquePrefix } from '@app/db/testing';
import { recordedBackup, recordedDrill } from '@app/worker/backups';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackupSection } from '@/components/backup-section';

let db: DbClient;
let dir: string;
let databaseUrl: string;
let health: typeof import('../app/api/health/route');
let backups: typeof import('./backups.server');

beforeAll(async () => {
  const env = await testEnv();
  databaseUrl = env.databaseUrl;
  vi.stubEnv('DATABASE_URL', env.databaseUrl);
  vi.stubEnv('REDIS_URL', env.redisUrl);
  vi.stubEnv('QUEUE_PREFIX', await uniquePrefix('backups-web'));
  vi.stubEnv('LOG_LEVEL', 'silent');
  db = createDb(env.databaseUrl, { max: 2 });
  await resetDatabase(db.sql);
  dir = await mkdtemp(path.join(tmpdir(), 'backup-web-'));
  health = await import('../app/api/health/route');
  backups = await import('./backups.server');
});
afterAll(async () => {
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  const { closeServices } = await import('@/server/services.server');
  await closeServices();
});

async function healthCheck() {
  const response = await health.GET();
  const body = (await response.json()) as { checks: Record<string, string> };
  return { status: response.status, backup: body.checks.backup };
}

async function dashboardHtml() {
  const now = Date.now();
  return renderToStaticMarkup(
    createElement(BackupSection, { state: await backups.backupState(now), now }),
  );
}

const settings = () => ({ dir, keep: { daily: 7, weekly: 4 }, cron: '30 2 * * *' });

describe('backup state on /api/health and the dashboard', () => {
  it('goes none → ok → failing (a damaged backup) → stale, and health stays 200', async () => {
    expect(await healthCheck()).toEqual({ status: 200, backup: 'none' });
    expect(await dashboardHtml()).toContain('No backup yet');

    await insertExamples(db.sql, 50);
    const made = await recordedBackup(db.db, settings(), { databaseUrl });
    expect(await healthCheck()).toEqual({ status: 200, backup: 'ok' });
    const ok = await dashboardHtml();
    expect(ok).toContain('>OK<');
    expect(ok).toContain('0 min ago');
    expect(ok).toContain(made.path); // the location
    expect(ok).toMatch(/\d+(\.\d)? KB/); // the size

    await recordedDrill(db.db, settings(), { databaseUrl });
    expect(await dashboardHtml()).toContain('Passed');

    await truncate(made.path, Math.floor((await stat(made.path)).size / 2));
    await expect(recordedDrill(db.db, settings(), { databaseUrl })).rejects.toThrow(/damaged/);
    expect(await healthCheck()).toEqual({ status: 200, backup: 'failing' });
    const failing = await dashboardHtml();
    expect(failing).toContain('Failing');
    expect(failing).toContain('role="alert"');
    expect(failing).toContain(`${made.file} is damaged`);

    // A good drill later, but the newest backup is three days old on a daily schedule.
    await db.sql`delete from backup_runs where kind = 'drill'`;
    await db.sql`update backup_runs set started_at = now() - interval '3 days',
                                       finished_at = now() - interval '3 days'`;
    expect(await healthCheck()).toEqual({ status: 200, backup: 'stale' });
    expect(await dashboardHtml()).toContain('3 days ago');
  });
});
