// template-demo
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page, type TestInfo, test } from '@playwright/test';
import { contactsCsv } from './support/contacts-csv';

// Screenshots of the pages, kept after the run (gitignored) to look at and to attach to CI.
const artifacts = fileURLToPath(new URL('../e2e-artifacts', import.meta.url));

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

const ROWS = 6000;
const INVALID_EVERY = 400;

// What the test leaves on the page's window (checked from the test, set in the browser).
type TestWindow = Window & { e2eMarker?: string; e2eProgress?: number[] };

test('a spreadsheet export imports live, becomes searchable and lists its invalid rows', async ({
  page,
}, testInfo) => {
  // Hydration mismatches and uncaught errors show up here; the pages must have none.
  const browserErrors: string[] = [];
  page.on('pageerror', (error) => browserErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error')
      browserErrors.push(`${message.text()} (${message.location().url})`);
  });
  const csv = contactsCsv(ROWS, INVALID_EVERY);
  const valid = ROWS - csv.invalidLines.length;

  await page.goto('/imports');
  await expect(page.getByRole('heading', { level: 1, name: 'Imports' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
  const fileInput = page.getByLabel('Drop a CSV file here, or choose one');

  // The browser refuses what the server would refuse, with a message, before uploading.
  await fileInput.setInputFiles({
    name: 'contacts.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: Buffer.from('PK\u0003\u0004'),
  });
  await expect(
    page.getByRole('alert').filter({ hasText: '“contacts.xlsx” is not a .csv file' }),
  ).toBeVisible();

  // A marker that survives only if the page is never reloaded, and a record of every value the
  // progress bar shows, so "moved live" is a fact rather than a guess.
  await page.evaluate(() => {
    const w = window as TestWindow;
    w.e2eMarker = 'no reload';
    w.e2eProgress = [];
    new MutationObserver((records) => {
      for (const record of records) {
        const target = record.target as Element;
        if (target instanceof HTMLProgressElement) w.e2eProgress?.push(target.value);
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['value'], subtree: true });
  });

  await fileInput.setInputFiles({
    name: 'contacts-export.csv',
    mimeType: 'text/csv',
    buffer: csv.bytes,
  });
  await expect(page.getByRole('status').filter({ hasText: 'is queued' })).toBeVisible();

  const row = page.getByRole('row').filter({ hasText: 'contacts-export.csv' });
  const bar = row.getByRole('progressbar', { name: 'Progress of contacts-export.csv' });
  await expect(bar).toHaveAttribute('value', '100', { timeout: 90_000 });
  await expect(row.getByText('Completed')).toBeVisible();
  await expect(row.getByRole('cell', { name: valid.toLocaleString('en-US') })).toBeVisible();

  const seen = await page.evaluate(() => (window as TestWindow).e2eProgress ?? []);
  expect(
    seen.some((value) => value > 0 && value < 100),
    `values seen: ${seen}`,
  ).toBe(true);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
  expect(await page.evaluate(() => (window as TestWindow).e2eMarker)).toBe('no reload');
  await screenshot(page, testInfo, 'imports');

  // The detail page: exact counts, and the invalid rows with their line numbers.
  await row.getByRole('link', { name: 'contacts-export.csv' }).click();
  await expect(page).toHaveURL(/\/imports\/[0-9a-f-]{36}$/);
  const stat = (label: string) => page.locator('.stat').filter({ hasText: label });
  await expect(stat('Processed rows')).toContainText(ROWS.toLocaleString('en-US'));
  await expect(stat('Inserted')).toContainText(valid.toLocaleString('en-US'));
  await expect(stat('Updated')).toContainText('0');
  await expect(stat('Invalid')).toContainText(String(csv.invalidLines.length));

  const errors = page.getByRole('table', { name: /problems, by line/ });
  await expect(errors.getByRole('row')).toHaveCount(csv.invalidLines.length + 1);
  const firstError = errors.getByRole('row').nth(1);
  await expect(firstError).toContainText(String(csv.invalidLines[0]));
  await expect(firstError).toContainText('E-mail Address');
  await expect(firstError).toContainText('not a valid email address');

  const download = page.getByRole('link', { name: /Download all .* as CSV/ });
  const response = await page.request.get((await download.getAttribute('href')) ?? '');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('text/csv');
  const lines = (await response.text()).trim().split('\r\n');
  expect(lines[0]).toBe('line,column,message');
  expect(lines.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(csv.invalidLines);
  await screenshot(page, testInfo, 'import-detail');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, testInfo, 'import-detail-dark');
  await page.emulateMedia({ colorScheme: null });

  // Contacts: the search form is a plain GET form; paging is by keyset cursor.
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Contacts' })
    .click();
  await expect(page.getByRole('heading', { level: 1, name: 'Contacts' })).toBeVisible();
  await page.getByRole('link', { name: 'Next page →' }).click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.getByRole('link', { name: '← Back to first page' })).toBeVisible();

  await page.getByRole('searchbox', { name: 'Search contacts' }).fill('zora');
  await page.getByRole('searchbox', { name: 'Search contacts' }).press('Enter');
  await expect(page).toHaveURL(/\/contacts\?q=zora$/);
  const result = page.getByRole('row').filter({ hasText: csv.needle.email });
  await expect(result).toContainText(csv.needle.name);
  await expect(result).toContainText(csv.needle.company);
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(2);

  await page.getByRole('searchbox', { name: 'Search contacts' }).fill('');
  await page.getByRole('searchbox', { name: 'Search contacts' }).press('Enter');
  await expect(page.getByRole('table').getByRole('row')).toHaveCount(26);
  await screenshot(page, testInfo, 'contacts');

  // The overview links to the import that just ran.
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Dashboard' })
    .click();
  await expect(page.getByRole('link', { name: 'contacts-export.csv' })).toBeVisible();
  await screenshot(page, testInfo, 'overview');
  expect(browserErrors).toEqual([]);
});
