import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waiting, once for the apps, the scripts and the test kits (decision 0074): `pollUntil` for
 * "ask until it answers", `within` for "give this promise N ms". Both run on AbortSignal.timeout,
 * take a caller's signal (Ctrl-C, a test's teardown) and remove every listener they add, so a
 * finished wait keeps nothing alive.
 */

export class WaitTimeout extends Error {}

/** Thrown by a check to stop waiting at once (the process it waits for has exited, say). */
export class PollFailed extends Error {}

export type PollOptions = {
  /** What is awaited, for the message: `web at http://…/api/health`. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Appended to the timeout message instead of the last error: the last state seen, a log. */
  detail?: () => string;
};

/**
 * Calls `check` until it returns something other than undefined/false, then returns that. A
 * throwing check counts as "not yet" and its message ends up in the timeout error, which says what
 * was awaited, for how long, and the last answer: the line a user needs to see what is wrong.
 */
export async function pollUntil<T>(
  check: (signal: AbortSignal) => Promise<T | undefined | false> | T | undefined | false,
  { what, timeoutMs, intervalMs = 250, signal: outer, detail }: PollOptions,
): Promise<T> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
  let last = 'no answer yet';
  for (;;) {
    try {
      const value = await check(signal);
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof PollFailed) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      if (outer?.aborted) throw outer.reason;
      const seen = detail ? detail() : `last: ${last}`;
      throw new WaitTimeout(`${what}: not ready after ${timeoutMs / 1000} s (${seen})`);
    }
  }
}

/** True when the URL answers 2xx within `requestMs`; any failure is false (for pollUntil). */
export async function answersOk(url: string, signal?: AbortSignal, requestMs = 2000) {
  const timeout = AbortSignal.timeout(requestMs);
  const response = await fetch(url, {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  }).catch(() => undefined);
  await response?.body?.cancel();
  return response?.ok === true;
}

/**
 * The promise's value, or
 * 'timeout' when it has not settled after `ms`. Unlike a hand-written Promise.race with
 * setTimeout, the timer and the listener go away as soon as the promise settles, and a late
 * rejection is still handled.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  const signal = AbortSignal.timeout(ms);
  let onAbort = () => {};
  const expired = new Promise<'timeout'>((resolve) => {
    onAbort = () => resolve('timeout');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
