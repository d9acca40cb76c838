import { describe, expect, it } from 'vitest';
import { databaseName, planRename, TEMPLATE_SCOPE, validateName } from './rename.ts';

describe('validateName', () => {
  it('accepts npm- and Docker-safe names', () => {
    for (const name of ['acme-crm', 'crm', 'a1-b2-c3']) expect(validateName(name)).toBeUndefined();
  });
  it('names the problem of a bad name', () => {
    expect(validateName('Acme CRM!')).toMatch(/capital letters/);
    expect(validateName('acme crm')).toMatch(/spaces/);
    expect(validateName('acme_crm!')).toBe("it has '_', '!' (only a-z, 0-9 and -)");
    expect(validateName('1acme')).toMatch(/start with a letter/);
    expect(validateName('acme--crm')).toMatch(/hyphens/);
    expect(validateName('app')).toMatch(/placeholder/);
    expect(validateName('a'.repeat(51))).toMatch(/longer than 50/);
  });
});

describe('planRename', () => {
  const files: Record<string, string> = {
    'docker-compose.yml':
      'name: app\n    POSTGRES_DB: app\n  "pg_isready -h 127.0.0.1 -U postgres -d app"\n',
    '.env.example': 'DATABASE_URL=postgres://postgres:postgres@localhost:5432/app\n',
    'apps/web/src/x.ts': `import { a } from '${TEMPLATE_SCOPE}shared/env';\n`,
    'README.md': '# Next.js + BullMQ + Drizzle template\n\nintro\n\n## Two commands\nmake up\n',
  };
  const read = (file: string) => files[file];

  it('renames scope, compose project, database and the README head', () => {
    const plan = Object.fromEntries(
      planRename('acme-crm', Object.keys(files), read).map((c) => [c.file, c.text]),
    );
    expect(plan['docker-compose.yml']).toBe(
      'name: acme-crm\n    POSTGRES_DB: acme_crm\n  "pg_isready -h 127.0.0.1 -U postgres -d acme_crm"\n',
    );
    expect(plan['.env.example']).toContain('5432/acme_crm\n');
    expect(plan['apps/web/src/x.ts']).toContain("'@acme-crm/shared/env'");
    expect(plan['README.md']).toMatch(/^# acme-crm\n/);
    expect(plan['README.md']).toContain('## Two commands\nmake up\n');
    expect(databaseName('acme-crm')).toBe('acme_crm');
  });

  it('changes nothing the second time', () => {
    const once = planRename('acme-crm', Object.keys(files), read);
    const after = Object.fromEntries(once.map((c) => [c.file, c.text]));
    expect(planRename('acme-crm', Object.keys(after), (f) => after[f])).toEqual([]);
  });
});
