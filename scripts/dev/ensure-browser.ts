import { execFileSync } from 'node:child_process';
import {
  findPlaywrightChromium,
  findSystemChromium,
  HOW_TO_GET_A_BROWSER,
} from '../../apps/web/e2e/support/find-browser.ts';
import { commandArgs } from '../lib/args.ts';
import { ok, step, warn } from '../lib/output.ts';

commandArgs({
  usage: 'make setup (runs this)',
  summary: "Find a Chromium for the browser tests, or install Playwright's once.",
  options: {},
});

/**
 * Run by `make setup` after installing dependencies: the browser tests need a Chromium. A system
 * one is used as it is; otherwise Playwright's is downloaded once, showing Playwright's own
 * progress (a bar on a terminal, percentage lines in a log) so a slow download is not a hang.
 */
const system = findSystemChromium();
if (system) {
  ok(`browser tests will use ${system}`);
} else if (findPlaywrightChromium()) {
  ok("browser tests will use Playwright's Chromium");
} else {
  step("no Chromium found: installing Playwright's (pnpm exec playwright install chromium)");
  try {
    execFileSync('pnpm', ['--filter', '@app/web', 'exec', 'playwright', 'install', 'chromium'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    ok("installed Playwright's Chromium for the browser tests");
  } catch {
    // Setup goes on (everything else works); `make test-e2e` fails with the same advice.
    warn(HOW_TO_GET_A_BROWSER);
  }
}
