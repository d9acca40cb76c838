import { execFileSync } from 'node:child_process';
import {
  findPlaywrightChromium,
  findSystemChromium,
  HOW_TO_GET_A_BROWSER,
} from '../../apps/web/e2e/support/find-browser.ts';

/**
 * Run by `make setup` after installing dependencies: the browser tests need a Chromium. A system
 * one is used as it is; otherwise Playwright's is downloaded once. One line either way.
 */
const system = findSystemChromium();
if (system) {
  console.log(`✓ browser tests will use ${system}`);
} else if (findPlaywrightChromium()) {
  console.log("✓ browser tests will use Playwright's Chromium");
} else {
  console.log(
    "→ no Chromium found: installing Playwright's (pnpm exec playwright install chromium)",
  );
  try {
    execFileSync('pnpm', ['--filter', '@app/web', 'exec', 'playwright', 'install', 'chromium'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    console.log("✓ installed Playwright's Chromium for the browser tests");
  } catch {
    // Setup goes on (everything else works); `make test-e2e` fails with the same advice.
    console.warn(`! ${HOW_TO_GET_A_BROWSER}`);
  }
}
