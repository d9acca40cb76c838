import {
  constants,
  copyFileSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { parse } from 'dotenv';

export type ServiceUrls = { DATABASE_URL: string; REDIS_URL: string };

/** The variables dotenv would load from `text` (the same parser the apps use). */
export function readEnvText(text: string): Record<string, string> {
  return parse(text);
}

// KEY=value, optionally `export`ed, with the value bare, '…' or "…", then an optional comment.
const assignment =
  /^(?<lead>\s*(?:export\s+)?(?<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*)(?<value>"(?:[^"\\]|\\.)*"|'[^']*'|`[^`]*`|[^#\r\n]*?)(?<tail>\s*(?:#.*)?)$/;

/**
 * Replaces the values of the given variables and nothing else: comments, blank lines, unknown
 * variables, quoting style, `export`, inline comments and line endings stay byte for byte.
 * Variables that are missing are appended.
 */
export function rewriteEnvText(text: string, values: Partial<ServiceUrls>): string {
  const wanted = new Map(Object.entries(values).filter(([, v]) => v !== undefined)) as Map<
    string,
    string
  >;
  const seen = new Set<string>();
  // Split after each line break so the breaks themselves (\n or \r\n) are kept untouched.
  const lines = text.split(/(?<=\n)/);
  const out = lines.map((line) => {
    const ending = /\r?\n$/.exec(line)?.[0] ?? '';
    const body = line.slice(0, line.length - ending.length);
    const match = assignment.exec(body);
    const key = match?.groups?.key;
    if (!match?.groups || !key || !wanted.has(key)) return line;
    seen.add(key);
    const { lead = '', value = '', tail = '' } = match.groups;
    const quote = /^["'`]/.test(value) ? value[0] : '';
    return `${lead}${quote}${wanted.get(key)}${quote}${tail}${ending}`;
  });
  const missing = [...wanted].filter(([key]) => !seen.has(key));
  if (missing.length === 0) return out.join('');
  const joined = out.join('');
  const newline = joined.includes('\r\n') ? '\r\n' : '\n';
  const separator = joined === '' || joined.endsWith('\n') ? '' : newline;
  return `${joined}${separator}${missing.map(([k, v]) => `${k}=${v}${newline}`).join('')}`;
}

/**
 * Copies `file` to `<dir>/.env.impl2.bak`, or `.env.impl2.bak.1`, `.2`, … when that exists: an
 * earlier backup is never overwritten (COPYFILE_EXCL makes the check and the copy one step).
 */
export function backupEnvFile(file: string): string {
  const base = `${file.replace(/\.env$/, '')}.env.impl2.bak`;
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base : `${base}.${n}`;
    try {
      copyFileSync(file, candidate, constants.COPYFILE_EXCL);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export type EnvRewrite = { changed: false } | { changed: true; backup: string };

/** Backs the file up, then replaces it atomically (a crash leaves the old or the new file). */
export function rewriteEnvFile(file: string, values: ServiceUrls): EnvRewrite {
  const before = readFileSync(file, 'utf8');
  const after = rewriteEnvText(before, values);
  if (after === before) return { changed: false };
  const backup = backupEnvFile(file);
  const temporary = `${file}.migrate-${process.pid}.tmp`;
  writeFileSync(temporary, after, { mode: statSync(file).mode });
  renameSync(temporary, file);
  return { changed: true, backup };
}
