import { oneLine, type Statement, splitStatements, splitTopLevel, type Token } from './sql.ts';

/**
 * The migration safety lint (issue 14, decision 0080): a migration runs before the new release
 * takes traffic, and after a failed deploy the *previous* release runs on that schema again. A
 * statement the previous release cannot live with (its table, column, type or unique index gone
 * or changed) turns a rollback into an outage, so it needs a reviewed `-- contract:` marker
 * directly above it: the release that stopped using the object, and why it is safe now.
 *
 * ~420 lines on purpose: one rule per way a statement breaks the previous release, each with its
 * match, its message and its safe alternative side by side; split up, the rules and their advice
 * would drift apart (one unit test per rule beside this file).
 */

export type Rule =
  | 'drop-table'
  | 'drop-column'
  | 'rename-table'
  | 'rename-column'
  | 'alter-column-type'
  | 'set-not-null'
  | 'add-column-not-null'
  | 'drop-default'
  | 'drop-index'
  | 'drop-constraint'
  | 'drop-type'
  | 'enum-value'
  | 'drop-object'
  | 'contract-marker';

export type Finding = {
  file: string;
  line: number;
  rule: Rule;
  statement: string;
  /** Why the previous release breaks. */
  problem: string;
  /** The expand/contract way to get there. */
  safe: string;
};

export type Marker = { file: string; line: number; ref: string; reason: string };

export type MigrationFile = { name: string; source: string };

export type LintResult = {
  findings: Finding[];
  /** Flagged statements that a complete contract marker lets through. */
  accepted: (Finding & { marker: Marker })[];
  markers: Marker[];
  statements: number;
};

export type LintOptions = {
  /** Where an index name appears in application code (file:line), for DROP INDEX. */
  namedIn?: (name: string) => string | undefined;
};

const MARKER = /^--\s*contract:\s*(.*)$/i;
const LATER = 'a later release, with "-- contract: <release> <reason>" above it';

const SAFE: Record<Exclude<Rule, 'contract-marker'>, string> = {
  'drop-table': `stop reading and writing the table in release N, drop it in ${LATER}`,
  'drop-column': `stop reading and writing the column in release N (drizzle: remove it from the schema), drop it in ${LATER}`,
  'rename-table':
    'create the new table (or a view), write both, backfill, switch reads; drop the old one in a later release',
  'rename-column':
    'add the new column, write both and backfill, switch reads to it; drop the old column in a later release (docs/deploy.md)',
  'alter-column-type':
    'add a column of the new type, write both and backfill, switch reads; drop the old column in a later release',
  'set-not-null': `ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, once every release writes the column; SET NOT NULL in ${LATER}`,
  'add-column-not-null':
    'give it a DEFAULT (the previous release inserts without it), or add it nullable and SET NOT NULL once every release writes it',
  'drop-default': 'keep the default until no running release inserts without the column',
  'drop-index': `keep it while any release queries through it; drop it in ${LATER} (DROP INDEX CONCURRENTLY)`,
  'drop-constraint': `keep it while any release relies on it (ON CONFLICT names its columns); drop it in ${LATER}`,
  'drop-type': `stop using the type in release N, drop it in ${LATER}`,
  'enum-value':
    'add the new value (ALTER TYPE … ADD VALUE), move writes and rows to it; remove the old one in a later release',
  'drop-object': `stop using it in release N, drop it in ${LATER}`,
};

type Model = {
  uniqueIndexes: Set<string>;
  uniqueConstraints: Set<string>;
  notNull: Set<string>;
  /** Tables and columns created by the file being read: changing them breaks no release. */
  newTables: Set<string>;
  newColumns: Set<string>;
};

const isWord = (token: Token | undefined, ...words: string[]) =>
  token !== undefined && token.kind === 'word' && words.includes(token.upper);
const isPunct = (token: Token | undefined, value: string) =>
  token?.kind === 'punct' && token.value === value;

/** A possibly schema-qualified name at `i`: its last part, and the index after it. */
function readName(tokens: Token[], i: number): { name: string; next: number } {
  let k = i;
  let name = tokens[k]?.value ?? '';
  while (isPunct(tokens[k + 1], '.') && tokens[k + 2]) {
    name = tokens[k + 2]?.value ?? name;
    k += 2;
  }
  return { name, next: k + 1 };
}

function skipIfExists(tokens: Token[], i: number): number {
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) return i + 2;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS'))
    return i + 3;
  return i;
}

const hasSeq = (tokens: Token[], ...words: string[]) =>
  tokens.some((_, i) => words.every((w, k) => isWord(tokens[i + k], w)));

function parseMarker(comment: string): { ref: string; reason: string } | undefined {
  const match = MARKER.exec(comment.trim());
  if (!match) return undefined;
  const [ref = '', ...rest] = (match[1] ?? '').trim().split(/\s+/);
  return { ref, reason: rest.join(' ') };
}

type Hit = { rule: Exclude<Rule, 'contract-marker'>; problem: string };

function createTable(tokens: Token[], model: Model): void {
  let i = 2;
  if (isWord(tokens[1], 'UNLOGGED', 'TEMP', 'TEMPORARY')) i = 3;
  i = skipIfExists(tokens, i);
  const { name: table, next } = readName(tokens, i);
  model.newTables.add(table);
  if (!isPunct(tokens[next], '(')) return;
  const body = tokens.slice(next + 1, -1);
  for (const part of splitTopLevel(body)) {
    const first = part[0];
    if (!first) continue;
    if (isWord(first, 'CONSTRAINT')) {
      const name = part[1]?.value ?? '';
      if (hasSeq(part, 'PRIMARY', 'KEY') || isWord(part[2], 'UNIQUE'))
        model.uniqueConstraints.add(name);
      continue;
    }
    if (isWord(first, 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN', 'EXCLUDE', 'LIKE')) continue;
    if (hasSeq(part, 'NOT', 'NULL') || hasSeq(part, 'PRIMARY', 'KEY'))
      model.notNull.add(`${table}.${first.value}`);
  }
}

function alterTable(tokens: Token[], model: Model): Hit[] {
  let i = 2;
  i = skipIfExists(tokens, i);
  if (isWord(tokens[i], 'ONLY')) i++;
  const { name: table, next } = readName(tokens, i);
  const hits: Hit[] = [];
  const newTable = model.newTables.has(table);
  for (const action of splitTopLevel(tokens.slice(next))) {
    const [a, b] = action;
    if (isWord(a, 'RENAME')) {
      if (isWord(b, 'TO')) {
        hits.push({
          rule: 'rename-table',
          problem: `renames table "${table}": the previous release still queries it by its old name`,
        });
      } else if (!isWord(b, 'CONSTRAINT')) {
        const column = (isWord(b, 'COLUMN') ? action[2] : b)?.value ?? '';
        if (!newTable)
          hits.push({
            rule: 'rename-column',
            problem: `renames column "${table}"."${column}": the previous release still uses the old name`,
          });
      }
      continue;
    }
    if (isWord(a, 'SET') && isWord(b, 'SCHEMA')) {
      hits.push({
        rule: 'rename-table',
        problem: `moves table "${table}" to another schema: the previous release looks for it where it was`,
      });
      continue;
    }
    if (isWord(a, 'DROP') && isWord(b, 'CONSTRAINT')) {
      const { name } = readName(action, skipIfExists(action, 2));
      if (model.uniqueConstraints.has(name) && !newTable)
        hits.push({
          rule: 'drop-constraint',
          problem: `drops unique/primary key "${name}": the previous release's ON CONFLICT and uniqueness rely on it`,
        });
      continue;
    }
    if (isWord(a, 'DROP')) {
      const k = skipIfExists(action, isWord(b, 'COLUMN') ? 2 : 1);
      const column = action[k]?.value ?? '';
      if (!newTable && !model.newColumns.has(`${table}.${column}`))
        hits.push({
          rule: 'drop-column',
          problem: `drops column "${table}"."${column}": the previous release still selects or inserts it`,
        });
      continue;
    }
    if (isWord(a, 'ADD') && !isWord(b, 'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN')) {
      const k = skipIfExists(action, isWord(b, 'COLUMN') ? 2 : 1);
      const column = action[k]?.value ?? '';
      model.newColumns.add(`${table}.${column}`);
      const notNull = hasSeq(action, 'NOT', 'NULL') || hasSeq(action, 'PRIMARY', 'KEY');
      if (notNull) model.notNull.add(`${table}.${column}`);
      const filled =
        action.some((t) => isWord(t, 'DEFAULT', 'GENERATED')) ||
        action.some((t) => isWord(t, 'SERIAL', 'BIGSERIAL', 'SMALLSERIAL'));
      if (notNull && !filled && !newTable)
        hits.push({
          rule: 'add-column-not-null',
          problem: `adds NOT NULL column "${table}"."${column}" without a DEFAULT: the previous release's inserts omit it and fail`,
        });
      continue;
    }
    if (isWord(a, 'ALTER')) {
      const k = isWord(b, 'COLUMN') ? 2 : 1;
      const column = action[k]?.value ?? '';
      const key = `${table}.${column}`;
      const rest = action.slice(k + 1);
      const fresh = newTable || model.newColumns.has(key);
      if (isWord(rest[0], 'TYPE') || (isWord(rest[0], 'SET') && isWord(rest[1], 'DATA'))) {
        if (!fresh)
          hits.push({
            rule: 'alter-column-type',
            problem: `changes the type of "${table}"."${column}": the previous release reads and writes the old type (and the table is rewritten under a lock)`,
          });
      } else if (isWord(rest[0], 'SET') && isWord(rest[1], 'NOT') && isWord(rest[2], 'NULL')) {
        model.notNull.add(key);
        if (!fresh)
          hits.push({
            rule: 'set-not-null',
            problem: `sets NOT NULL on existing column "${table}"."${column}": the previous release may insert without it`,
          });
      } else if (isWord(rest[0], 'DROP') && isWord(rest[1], 'DEFAULT')) {
        if (!fresh && model.notNull.has(key))
          hits.push({
            rule: 'drop-default',
            problem: `drops the default of NOT NULL column "${table}"."${column}": the previous release's inserts omit it and fail`,
          });
      } else if (isWord(rest[0], 'DROP') && isWord(rest[1], 'NOT')) {
        model.notNull.delete(key);
      }
    }
  }
  return hits;
}

function dropIndex(tokens: Token[], model: Model, options: LintOptions): Hit[] {
  let i = 2;
  if (isWord(tokens[i], 'CONCURRENTLY')) i++;
  i = skipIfExists(tokens, i);
  const hits: Hit[] = [];
  for (const part of splitTopLevel(tokens.slice(i))) {
    if (isWord(part[0], 'CASCADE', 'RESTRICT')) continue;
    const { name } = readName(part, 0);
    const named = options.namedIn?.(name);
    const why = model.uniqueIndexes.has(name)
      ? "it is unique: the previous release's ON CONFLICT and its duplicate checks rely on it"
      : named
        ? `${named} names it`
        : "the previous release's queries may still be planned on it (a sequential scan under load is an outage)";
    hits.push({ rule: 'drop-index', problem: `drops index "${name}": ${why}` });
  }
  return hits;
}

function statementHits(statement: Statement, model: Model, options: LintOptions): Hit[] {
  const t = statement.tokens;
  if (isWord(t[0], 'CREATE')) {
    if (isWord(t[1], 'TABLE') || isWord(t[2], 'TABLE')) createTable(t, model);
    const unique = isWord(t[1], 'UNIQUE');
    if (isWord(t[unique ? 2 : 1], 'INDEX')) {
      let k = unique ? 3 : 2;
      if (isWord(t[k], 'CONCURRENTLY')) k++;
      k = skipIfExists(t, k);
      if (unique && !isWord(t[k], 'ON')) model.uniqueIndexes.add(t[k]?.value ?? '');
    }
    return [];
  }
  if (isWord(t[0], 'ALTER') && isWord(t[1], 'TABLE')) return alterTable(t, model);
  if (isWord(t[0], 'DROP')) {
    if (isWord(t[1], 'TABLE')) {
      const names = splitTopLevel(t.slice(skipIfExists(t, 2)))
        .filter((part) => !isWord(part[0], 'CASCADE', 'RESTRICT'))
        .map((part) => `"${readName(part, 0).name}"`);
      return [
        {
          rule: 'drop-table',
          problem: `drops table ${names.join(', ')}: the previous release still queries it`,
        },
      ];
    }
    if (isWord(t[1], 'INDEX')) return dropIndex(t, model, options);
    if (isWord(t[1], 'TYPE', 'DOMAIN')) {
      const { name } = readName(t, skipIfExists(t, 2));
      return [
        {
          rule: 'drop-type',
          problem: `drops type "${name}": the previous release's columns and casts use it (drizzle recreates an enum this way to remove a value)`,
        },
      ];
    }
    const kind = isWord(t[1], 'MATERIALIZED') ? 'MATERIALIZED VIEW' : t[1]?.upper;
    if (
      isWord(t[1], 'VIEW', 'MATERIALIZED', 'FUNCTION', 'PROCEDURE', 'SEQUENCE', 'SCHEMA', 'TRIGGER')
    ) {
      return [
        { rule: 'drop-object', problem: `drops a ${kind}: the previous release may still use it` },
      ];
    }
    return [];
  }
  if (isWord(t[0], 'ALTER') && isWord(t[1], 'TYPE')) {
    const { name, next } = readName(t, 2);
    if (isWord(t[next], 'RENAME') && isWord(t[next + 1], 'VALUE'))
      return [
        {
          rule: 'enum-value',
          problem: `renames a value of enum "${name}": the previous release writes and compares the old value`,
        },
      ];
    if (isWord(t[next], 'RENAME') || isWord(t[next], 'SET'))
      return [
        {
          rule: 'drop-type',
          problem: `renames or moves type "${name}": the previous release refers to it by its old name`,
        },
      ];
    return [];
  }
  if (
    isWord(t[0], 'DELETE') &&
    t.some((token) => token.value === 'pg_enum' || token.value === 'pg_catalog.pg_enum')
  ) {
    return [
      {
        rule: 'enum-value',
        problem: 'removes an enum value from pg_enum: rows and the previous release still use it',
      },
    ];
  }
  if (
    isWord(t[0], 'ALTER') &&
    isWord(t[1], 'VIEW', 'MATERIALIZED', 'SEQUENCE', 'FUNCTION', 'SCHEMA') &&
    t.some((token) => isWord(token, 'RENAME'))
  ) {
    return [
      {
        rule: 'rename-table',
        problem: `renames a ${t[1]?.upper}: the previous release uses the old name`,
      },
    ];
  }
  return [];
}

/** Lints the files in order (the journal's order is the names' order), as one history. */
export function lintMigrations(files: MigrationFile[], options: LintOptions = {}): LintResult {
  const model: Model = {
    uniqueIndexes: new Set(),
    uniqueConstraints: new Set(),
    notNull: new Set(),
    newTables: new Set(),
    newColumns: new Set(),
  };
  const result: LintResult = { findings: [], accepted: [], markers: [], statements: 0 };
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    model.newTables = new Set();
    model.newColumns = new Set();
    for (const statement of splitStatements(file.source)) {
      result.statements++;
      const markerComment = statement.comments.find((c) => MARKER.test(c.text.trim()));
      const parsed = markerComment ? parseMarker(markerComment.text) : undefined;
      const markerLine = markerComment?.line ?? statement.line;
      const marker =
        parsed?.ref && parsed.reason ? { file: file.name, line: markerLine, ...parsed } : undefined;
      if (parsed && !marker) {
        result.findings.push({
          file: file.name,
          line: markerLine,
          rule: 'contract-marker',
          statement: markerComment?.text.trim() ?? '',
          problem: 'a contract marker needs the release that stopped using the object and a reason',
          safe: 'write "-- contract: <release or commit> <why the previous release no longer needs it>"',
        });
      }
      if (marker) result.markers.push(marker);
      for (const hit of statementHits(statement, model, options)) {
        const finding: Finding = {
          file: file.name,
          line: statement.line,
          rule: hit.rule,
          statement: oneLine(statement.text),
          problem: hit.problem,
          safe: SAFE[hit.rule],
        };
        if (marker) result.accepted.push({ ...finding, marker });
        else if (!parsed) result.findings.push(finding);
      }
    }
  }
  return result;
}

/** One line per finding: file:line, rule, statement, what breaks, the safe way. */
export function formatFinding(finding: Finding, dir = ''): string {
  const where = `${dir ? `${dir}/` : ''}${finding.file}:${finding.line}`;
  return `${where}: ${finding.rule}: ${finding.statement} — ${finding.problem}; safe: ${finding.safe}`;
}

/** The complete contract markers of one file (`<ref> <reason>`), in order. */
export function contractMarkers(source: string): string[] {
  return splitStatements(source).flatMap((s) =>
    s.comments.flatMap((c) => {
      const parsed = parseMarker(c.text);
      return parsed?.ref && parsed.reason ? [`contract: ${parsed.ref} ${parsed.reason}`] : [];
    }),
  );
}

/** Files whose statements carry a contract marker: a deploy of them cannot be rolled back. */
export function contractMarkedFiles(files: MigrationFile[]): string[] {
  return files.filter((file) => contractMarkers(file.source).length > 0).map((file) => file.name);
}
