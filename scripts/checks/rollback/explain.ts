/**
 * The line that names what broke, from the previous release's logs: the Postgres error when there
 * is one (`column "x" does not exist`), else the first error a process logged. Logs are pino JSON
 * lines, so their strings are decoded first (the error's cause holds the Postgres message).
 */

const POSTGRES = [
  /(?:column|relation|type|function|operator|schema|constraint|index) "[^"]+"(?: of relation "[^"]+")? does not exist/,
  /column "[^"]+" is of type [^ ]+ but expression is of type [^ \n]+/,
  /null value in column "[^"]+"(?: of relation "[^"]+")? violates not-null constraint/,
  /there is no unique or exclusion constraint matching the ON CONFLICT specification/,
  /invalid input value for enum [^:]+: "[^"]*"/,
];

function strings(value: unknown, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (value && typeof value === 'object')
    for (const v of Object.values(value)) strings(v, into);
  return into;
}

type LogLine = { level?: number; msg?: string; err?: { message?: string } };

export function whatBroke(output: string): string | undefined {
  const logs: LogLine[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      // Not a log line of ours.
    }
  }
  const text = [output, ...logs.flatMap((entry) => strings(entry, []))].join('\n');
  for (const pattern of POSTGRES) {
    const match = pattern.exec(text);
    if (match) return match[0];
  }
  const error = logs.find((entry) => (entry.level ?? 0) >= 50);
  return (error?.err?.message ?? error?.msg)?.split('\n')[0];
}
