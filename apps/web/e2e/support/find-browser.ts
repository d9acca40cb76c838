import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';

/**
 * Which Chromium the browser tests drive. A system install wins (Debian's `chromium`, the
 * `google-chrome` on GitHub's runners, Chrome on a Mac): nothing to download, and it works where
 * the network is closed. Playwright's own build is the fallback that `make setup` installs.
 */
const commands = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const macApps = [
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

export function findSystemChromium(searchPath = process.env.PATH ?? ''): string | undefined {
  for (const command of commands) {
    for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
      const candidate = path.join(dir, command);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return macApps.find((app) => existsSync(app));
}

/** Playwright's own Chromium, when `playwright install chromium` has put it in its cache. */
export function findPlaywrightChromium(): string | undefined {
  const file = chromium.executablePath();
  return existsSync(file) ? file : undefined;
}

export const HOW_TO_GET_A_BROWSER =
  'no Chromium for the browser tests: install one (Debian/Ubuntu: apt-get install chromium; ' +
  'macOS: Google Chrome) or run `pnpm --filter @app/web exec playwright install chromium`';
