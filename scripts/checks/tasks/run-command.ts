import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';

export type CommandResult = { passed: boolean; seconds: number; detail: string };

/**
 * Runs one verify command without a shell (task-files.ts allows only `make …` and
 * `pnpm exec vitest run …`), its output appended to `logFile`. It runs in a process group of its
 * own so a timeout can stop everything it started (make → tsx → next …), not just the first pid.
 */
export function runCommand(
  command: string,
  options: { cwd: string; logFile: string; timeoutMs: number },
): Promise<CommandResult> {
  const [program, ...args] = command.trim().split(/\s+/);
  const log = openSync(options.logFile, 'a');
  writeSync(log, `\n===== ${new Date().toISOString()} $ ${command}\n`);
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(program ?? 'false', args, {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', log, log],
    });
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5000).unref();
    }, options.timeoutMs);
    const finish = (passed: boolean, detail: string) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      writeSync(
        log,
        `===== ${passed ? 'passed' : 'FAILED'}: ${detail} (${seconds.toFixed(1)} s)\n`,
      );
      closeSync(log);
      resolve({ passed, seconds, detail });
    };
    child.on('error', (error) => finish(false, `could not start: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (timedOut) return finish(false, `timed out after ${options.timeoutMs / 1000} s`);
      if (code === 0) return finish(true, 'exit 0');
      finish(false, signal ? `killed by ${signal}` : `exit ${code}`);
    });
  });
}
