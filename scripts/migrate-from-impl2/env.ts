/**
 * The only reader of process.env in this tool: child processes (pg_dump, pg_restore, multipass)
 * inherit the caller's environment (PATH, locale, PG* settings) plus what we add.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
