// template-demo
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page, test } from '@playwright/test';
import { Queue } from 'bullmq';
import postgres from 'postgres';
import { e2eRun } from './support/e2e-run';

const artifacts = fileURLToPath(new URL('../e2e-artifacts', import.meta.url));

type TestWindow = Window & { e2eMarker?: string };

/** The maintenance row's cell for a state, in the order of the table's columns. */
function cell(page: Page, state: 'waiting' | 'completed') {
  const row = page.getByRole('row', { name: /^maintenance/ });
  return row.getByRole('cell').nth(state === 'waiting' ? 0 : 3);
}

test('the dashboard follows a report job from waiting to completed live, and shows its chart', async ({
  page,
}) => {
  const browserErrors: string[] = [];
  page.on('pageerror', (error) => browserErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  const run = await e2eRun();
  // The queue is paused from here so the job is seen waiting; otherwise it would finish within
  // milliseconds, between two polls.
  const queue = new Queue('maintenance', {
    connection: { url: run.redisUrl, maxRetriesPerRequest: 1 },
    prefix: run.queuePrefix,
  });
  // Contacts for the report to count, on domains no other test uses.
  const sql = postgres(run.databaseUrl, { max: 1, onnotice: () => {} });
  await sql`
    insert into contacts (email, name, company)
    select 'person' || i || '@' || (array['report-a.test', 'report-b.test'])[i % 2 + 1],
           'Person ' || i, (array['Northwind', 'Contoso', 'Fabrikam'])[i % 3 + 1]
    from generate_series(1, 60) i
    on conflict (email) do nothing`.finally(() => sql.end());
  try {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
    const health = page.getByRole('region', { name: 'Health' });
    await expect(health.getByText('OK')).toHaveCount(3);
    await expect(page.getByText('No report yet.')).toBeVisible();
    // The run's own database has no backup yet: the section says so instead of showing "OK".
    await expect(page.getByRole('region', { name: 'Backups' })).toContainText('No backup yet');
    const completedBefore = Number(await cell(page, 'completed').textContent());

    await page.evaluate(() => {
      (window as TestWindow).e2eMarker = 'no reload';
    });
    await queue.pause();
    await page.getByRole('button', { name: 'Run report' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Report queued' })).toBeVisible();
    await expect(cell(page, 'waiting')).toHaveText('1');

    await queue.resume();
    await expect(cell(page, 'waiting')).toHaveText('0');
    await expect(cell(page, 'completed')).toHaveText(String(completedBefore + 1));
    await expect(page.getByRole('img', { name: 'Contacts by company' })).toBeVisible();
    await expect(page.getByRole('img', { name: 'Contacts by email domain' })).toBeVisible();
    await expect(
      page.getByRole('img', { name: /Jobs per minute over the last 60 minutes/ }),
    ).toHaveAttribute('aria-label', /[1-9]\d* completed/);
    expect(await page.evaluate(() => (window as TestWindow).e2eMarker)).toBe('no reload');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });

    await page.getByRole('link', { name: /Failed jobs/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Failed jobs' })).toBeVisible();
    await expect(page.getByText('No failed jobs.')).toBeVisible();
    expect(browserErrors).toEqual([]);
  } finally {
    await queue.resume().catch(() => {});
    await queue.close();
  }
});
