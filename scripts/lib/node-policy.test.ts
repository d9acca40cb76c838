import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeRange, satisfies } from './node-policy.ts';

// One Node policy: engines.node in the root package.json. Everything that picks a Node version
// must pick one inside it, and the images and .nvmrc must agree on one major.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');
const range = nodeRange(repo);

describe('satisfies', () => {
  it('reads ^ and >= clauses', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.3', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('21.7.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('22.11.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('24.1.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(() => satisfies('20.0.0', '~20.1')).toThrow(/cannot read/);
  });
});

describe('the Node policy', () => {
  const nvmrc = read('.nvmrc').trim();
  const major = nvmrc.split('.')[0];

  it('.nvmrc names a major the range allows', () => {
    expect(satisfies(`${major}.99.99`, range)).toBe(true);
  });

  it('the Dockerfiles pin one Node image, inside the range, on the .nvmrc major', () => {
    const tags = ['apps/web/Dockerfile', 'apps/worker/Dockerfile'].map((file) => {
      const tag = /^ARG NODE_TAG=(\S+)/m.exec(read(file))?.[1];
      const version = /^\d+\.\d+\.\d+/.exec(tag ?? '')?.[0];
      expect(version, `${file}: ARG NODE_TAG=<major.minor.patch>-…`).toBeDefined();
      expect(version?.split('.')[0], file).toBe(major);
      expect(satisfies(version ?? '', range), `${file}: ${version} vs engines ${range}`).toBe(true);
      return tag;
    });
    // The offline stand-in is built for the web Dockerfile's tag only (.ci/docker-offline).
    expect(tags[1], 'apps/worker/Dockerfile NODE_TAG = apps/web/Dockerfile NODE_TAG').toBe(tags[0]);
  });

  it('the devcontainer image is on the .nvmrc major', () => {
    const image = /^FROM \S+typescript-node:\d+-(\d+)-/m.exec(read('.devcontainer/Dockerfile'));
    expect(image?.[1]).toBe(major);
  });

  it('every workflow takes Node from .nvmrc', () => {
    const dir = '.github/workflows';
    for (const file of readdirSync(path.join(repo, dir))) {
      const text = read(`${dir}/${file}`);
      const setups = text.match(/uses: actions\/setup-node@/g)?.length ?? 0;
      const fromFile = text.match(/node-version-file: \.nvmrc/g)?.length ?? 0;
      expect(fromFile, file).toBe(setups);
      expect(text, file).not.toMatch(/node-version: /);
    }
  });

  it('make doctor checks against the same range', () => {
    expect(read('scripts/dev/doctor.ts')).toContain('nodeRange()');
  });
});
