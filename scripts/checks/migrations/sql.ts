/**
 * Just enough of PostgreSQL's lexical rules to read migrations safely: statements split on `;`
 * and on drizzle's `--> statement-breakpoint`, never inside a string, a quoted identifier, a
 * dollar-quoted body or a comment; each statement as tokens (comments dropped, literals kept as
 * one token) with the line it starts on and the comments directly above it.
 */

export type Token =
  | { kind: 'word'; value: string; upper: string }
  | { kind: 'ident'; value: string; upper: string }
  | { kind: 'string'; value: string; upper: string }
  | { kind: 'punct'; value: string; upper: string };

export type Statement = {
  /** 1-based line of the statement's first token. */
  line: number;
  /** The statement as written (comments included), trimmed, without the `;`. */
  text: string;
  tokens: Token[];
  /** Line comments on lines of their own between the previous statement and this one. */
  comments: { text: string; line: number }[];
};

const BREAKPOINT = '--> statement-breakpoint';

export function splitStatements(source: string): Statement[] {
  const statements: Statement[] = [];
  let tokens: Token[] = [];
  let comments: { text: string; line: number }[] = [];
  let start = -1;
  let startLine = 0;
  let line = 1;
  // True while nothing but whitespace precedes the current position on its line.
  let lineStart = true;
  let i = 0;

  const finish = (end: number) => {
    if (tokens.length > 0) {
      statements.push({
        line: startLine,
        text: source.slice(start, end).trim(),
        tokens,
        comments,
      });
      tokens = [];
      comments = [];
    }
    start = -1;
  };
  const push = (token: Token, at: number) => {
    if (tokens.length === 0) {
      start = at;
      startLine = line;
    }
    tokens.push(token);
  };
  const advance = (to: number) => {
    for (let k = i; k < to; k++) {
      if (source[k] === '\n') {
        line++;
        lineStart = true;
      }
    }
    i = to;
  };

  while (i < source.length) {
    const ch = source[i] ?? '';
    const next = source[i + 1] ?? '';
    if (ch === '\n') {
      advance(i + 1);
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const ownLine = lineStart;
    lineStart = false;
    if (ch === '-' && next === '-') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      const comment = source.slice(i, stop);
      if (comment.startsWith(BREAKPOINT)) {
        finish(i);
        comments = [];
      } else if (ownLine && tokens.length === 0) {
        comments.push({ text: comment, line });
      }
      i = stop;
      continue;
    }
    if (ch === '/' && next === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 0;
      let k = i;
      while (k < source.length) {
        if (source.startsWith('/*', k)) {
          depth++;
          k += 2;
        } else if (source.startsWith('*/', k)) {
          depth--;
          k += 2;
          if (depth === 0) break;
        } else k++;
      }
      advance(k);
      continue;
    }
    if (ch === ';') {
      finish(i);
      i++;
      continue;
    }
    if (ch === "'" || ((ch === 'E' || ch === 'e') && next === "'")) {
      const at = i;
      const escapes = ch !== "'";
      let k = escapes ? i + 2 : i + 1;
      let value = '';
      while (k < source.length) {
        const c = source[k];
        if (escapes && c === '\\') {
          value += source[k + 1] ?? '';
          k += 2;
        } else if (c === "'" && source[k + 1] === "'") {
          value += "'";
          k += 2;
        } else if (c === "'") {
          k++;
          break;
        } else {
          value += c;
          k++;
        }
      }
      push({ kind: 'string', value, upper: value.toUpperCase() }, at);
      advance(k);
      continue;
    }
    if (ch === '"') {
      const at = i;
      let k = i + 1;
      let value = '';
      while (k < source.length) {
        if (source[k] === '"' && source[k + 1] === '"') {
          value += '"';
          k += 2;
        } else if (source[k] === '"') {
          k++;
          break;
        } else {
          value += source[k];
          k++;
        }
      }
      push({ kind: 'ident', value, upper: value.toUpperCase() }, at);
      advance(k);
      continue;
    }
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(source.slice(i, i + 64));
    if (dollar) {
      const tag = dollar[0];
      const bodyStart = i + tag.length;
      const end = source.indexOf(tag, bodyStart);
      const stop = end === -1 ? source.length : end + tag.length;
      const value = source.slice(bodyStart, end === -1 ? source.length : end);
      push({ kind: 'string', value, upper: value.toUpperCase() }, i);
      advance(stop);
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*|^[0-9][0-9.]*/.exec(source.slice(i, i + 256));
    if (word) {
      // Unquoted names fold to lower case, as PostgreSQL folds them.
      push({ kind: 'word', value: word[0].toLowerCase(), upper: word[0].toUpperCase() }, i);
      i += word[0].length;
      continue;
    }
    const op = source.startsWith('::', i) ? '::' : ch;
    push({ kind: 'punct', value: op, upper: op }, i);
    i += op.length;
  }
  finish(source.length);
  return statements;
}

/** Splits tokens at top-level commas (not inside parentheses). */
export function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'punct' && token.value === '(') depth++;
    if (token.kind === 'punct' && token.value === ')') depth--;
    if (depth === 0 && token.kind === 'punct' && token.value === ',') {
      parts.push([]);
      continue;
    }
    parts.at(-1)?.push(token);
  }
  return parts.filter((part) => part.length > 0);
}

/** The statement on one line, whitespace collapsed, cut at `max` characters. */
export function oneLine(text: string, max = 120): string {
  const flat = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
