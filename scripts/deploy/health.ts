import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

// What apps/web's /api/health answers; only the fields the deploy decides on.
const healthSchema = z.object({
  status: z.string(),
  version: z.string(),
});

export type HealthReading =
  | { reachable: true; ok: boolean; version: string; httpStatus: number }
  | { reachable: false; reason: string };

/** One probe of `<appUrl>/api/health`. Never throws. */
export async function readHealth(appUrl: string, timeoutMs = 5000): Promise<HealthReading> {
  try {
    const response = await fetch(`${appUrl}/api/health`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const parsed = healthSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      return { reachable: false, reason: `HTTP ${response.status}, not a health answer` };
    return {
      reachable: true,
      ok: response.ok && parsed.data.status === 'ok',
      version: parsed.data.version,
      httpStatus: response.status,
    };
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'no answer';
    return { reachable: false, reason };
  }
}

export const describeHealth = (reading: HealthReading): string =>
  reading.reachable
    ? `HTTP ${reading.httpStatus}, version ${short(reading.version)}${reading.ok ? '' : ', not ok'}`
    : reading.reason;

export type WaitForVersionOptions = {
  timeoutMs: number;
  intervalMs: number;
  log: (line: string) => void;
};

/**
 * Polls until the app reports `version` and ok. Coolify's "finished" only means containers were
 * started; this is what proves the new release serves requests.
 */
export async function waitForVersion(
  appUrl: string,
  version: string,
  options: WaitForVersionOptions,
): Promise<{ ok: true } | { ok: false; last: string }> {
  const started = Date.now();
  let last = 'not probed';
  let lastLogged = '';
  while (Date.now() - started < options.timeoutMs) {
    const reading = await readHealth(appUrl, Math.min(5000, options.timeoutMs));
    if (reading.reachable && reading.ok && reading.version === version) return { ok: true };
    last = describeHealth(reading);
    // One line per change keeps CI logs readable while still showing progress.
    if (last !== lastLogged) {
      options.log(`health: ${last} (waiting for ${short(version)})`);
      lastLogged = last;
    }
    await sleep(options.intervalMs);
  }
  return { ok: false, last };
}

export const short = (sha: string) => (/^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 12) : sha);
