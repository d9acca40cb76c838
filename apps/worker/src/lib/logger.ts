import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };
export type LogOptions = {
  name: string;
  level: string;
  format: 'json' | 'pretty';
  version: string;
};

/**
 * Structured JSON logs in production (one object a line, for Coolify/Docker log drivers);
 * the same records made readable in development. The pretty stream is synchronous on purpose:
 * pino transports spawn threads that bundlers (Next, esbuild) cannot follow.
 */
export function createLogger(options: LogOptions): Logger {
  const base = { app: options.name, version: options.version };
  if (options.format === 'pretty') {
    const stream = pretty({ colorize: true, sync: true, ignore: 'pid,hostname,app,version' });
    return pino({ level: options.level, base }, stream);
  }
  return pino({ level: options.level, base });
}
