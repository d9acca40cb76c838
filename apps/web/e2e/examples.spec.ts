import { expect, test } from '@playwright/test';

// The skeleton's loop in a real browser, against the production server and a real worker: a row
// added on /examples is queued, processed by the worker, and shown as processed without a reload.
test('an example added on the page is processed by the worker', async ({ page }) => {
  const browserErrors: string[] = [];
  page.on('pageerror', (error) => browserErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') browserErrors.push(message.text());
  });
  const message = `e2e example ${Date.now()}`;

  await page.goto('/examples');
  await expect(page.getByRole('heading', { name: 'Examples', level: 1 })).toBeVisible();
  await page.getByLabel('Message').fill(message);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Added' })).toBeVisible();

  const row = page.getByRole('listitem').filter({ hasText: message });
  await expect(row).toBeVisible();
  // The page refreshes itself while a row waits; the worker takes well under the timeout.
  await expect(row).toContainText('processed', { timeout: 30_000 });

  // An empty message is refused with what was wrong, and nothing is added.
  await page.getByLabel('Message').fill('   ');
  await page.getByRole('button', { name: 'Add' }).click();
  // Next's route announcer is an alert too: the refusal is the one that says so.
  await expect(
    page.getByRole('alert').filter({ hasText: 'Not added: message: must not be empty.' }),
  ).toBeVisible();
  expect(browserErrors.filter((text) => !/status of 400/.test(text))).toEqual([]);
});
