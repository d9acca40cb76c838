// What `make init` changes, as a pure function of the name and the files' text (so a unit test
// can check it without a repository). Every rule matches the template's own spelling only, which is
// what makes a second run a no-op.

export type TemplateRecord = {
  name: string;
  upstream: string;
  commit: string;
  date: string;
  /** The scope rename, so `make template-update` can apply it to upstream's files too. */
  scope: { from: string; to: string };
};

// Spelled in two halves so that `make init` does not rename its own record of the old scope.
export const TEMPLATE_SCOPE = ['@', 'app/'].join('');

export type Change = { file: string; text: string };

/**
 * npm package names and Docker image names both accept this: lowercase letters and digits in
 * hyphen-separated words, starting with a letter (so it is also a valid compose project name and,
 * with _ for -, a Postgres database name that needs no quoting). Returns the problem, or undefined.
 */
export function validateName(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 50) return 'it is longer than 50 characters';
  if (/[A-Z]/.test(name)) return 'it has capital letters (npm and Docker names are lowercase)';
  if (/\s/.test(name)) return 'it has spaces (use hyphens: acme-crm)';
  const bad = name.match(/[^a-z0-9-]/g);
  if (bad)
    return `it has ${[...new Set(bad)].map((c) => `'${c}'`).join(', ')} (only a-z, 0-9 and -)`;
  if (!/^[a-z]/.test(name)) return 'it must start with a letter';
  if (/--|-$/.test(name)) return 'hyphens go between words (no "--", no trailing "-")';
  if (name === 'app') return "'app' is the template's own placeholder";
  return undefined;
}

export const databaseName = (name: string) => name.replaceAll('-', '_');

type Rule = [RegExp, string];

function rulesFor(file: string, name: string): Rule[] {
  const db = databaseName(name);
  const scope: Rule = [/@app\//g, `@${name}/`];
  switch (file) {
    case 'package.json':
      return [[/"name": "devcontainer-nextjs-bullmq-template"/, `"name": "${name}"`]];
    case 'docker-compose.yml':
      return [
        [/^name: app$/m, `name: ${name}`],
        [/POSTGRES_DB: app$/m, `POSTGRES_DB: ${db}`],
        [/-U postgres -d app"/, `-U postgres -d ${db}"`],
      ];
    case 'docker-compose.prod.yml':
      return [
        [/^name: app-prod$/m, `name: ${name}-prod`],
        [/@postgres:5432\/app$/gm, `@postgres:5432/${db}`],
        [/POSTGRES_DB=app$/m, `POSTGRES_DB=${db}`],
        [/-U app -d app"/, `-U app -d ${db}"`],
      ];
    case '.devcontainer/docker-compose.yml':
      return [
        [/^name: app-devcontainer$/m, `name: ${name}-devcontainer`],
        [/root file's `name: app`/, `root file's \`name: ${name}\``],
      ];
    case '.devcontainer/devcontainer.json':
      return [
        [/"name": "Next\.js \+ BullMQ \+ Drizzle",/, `"name": "${name}",`],
        [/"name": "app \(localhost\)"/, `"name": "${name} (localhost)"`],
        [/"database": "app"/, `"database": "${db}"`],
      ];
    case '.env.example':
      return [
        [
          /^DATABASE_URL=postgres:\/\/postgres:postgres@localhost:5432\/app$/m,
          `DATABASE_URL=postgres://postgres:postgres@localhost:5432/${db}`,
        ],
      ];
    case 'apps/web/Dockerfile':
      return [scope, [/image\.title="web"/, `image.title="${name}-web"`]];
    case 'apps/worker/Dockerfile':
      return [scope, [/image\.title="worker"/, `image.title="${name}-worker"`]];
    case 'apps/web/src/app/layout.tsx':
      return [
        scope,
        [/description: 'Next\.js \+ BullMQ \+ Drizzle template:/, `description: '${name}:`],
      ];
    default:
      return [scope];
  }
}

/** The README's head (up to its first `## `) for the product; the template's sections stay. */
export function readmeHead(name: string): string {
  return `# ${name}

${name} started from a devcontainer-first TypeScript template (Next.js, BullMQ, Drizzle):
\`template.json\` records which template commit (docs/adopting.md). Describe your product here;
the sections below are the template's and still apply.

`;
}

export function planRename(
  name: string,
  files: string[],
  read: (file: string) => string | undefined,
): Change[] {
  const changes: Change[] = [];
  for (const file of files) {
    const before = read(file);
    // Binary files and files deleted from the work tree are not ours to rewrite.
    if (before === undefined || before.includes('\0')) continue;
    // template.json records the old scope on purpose (for `make template-update`).
    if (file === 'template.json') continue;
    let text = before;
    for (const [pattern, replacement] of rulesFor(file, name))
      text = text.replace(pattern, replacement);
    if (file === 'README.md' && text.startsWith('# Next.js + BullMQ + Drizzle template\n')) {
      const rest = text.indexOf('\n## ');
      text = readmeHead(name) + (rest === -1 ? '' : text.slice(rest + 1));
    }
    if (text !== before) changes.push({ file, text });
  }
  return changes;
}
