import { readFileSync } from 'node:fs';

/**
 * The one Node policy: root package.json's `engines.node` (decision 0091). This reads it and checks
 * a version against it, for `make doctor` and the test that keeps .nvmrc, the Dockerfiles, the
 * devcontainer image and the workflows in line. Only the forms the range uses are understood
 * (`^A.B.C` and `>=A.B.C`, joined by `||`): anything else is a bug in the range, and throws.
 */

type Version = [number, number, number];
const parse = (text: string): Version => {
  const [a = 0, b = 0, c = 0] = text.split('.').map(Number);
  return [a, b, c];
};
const compare = (x: Version, y: Version) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

export function satisfies(version: string, range: string): boolean {
  const v = parse(version.replace(/^v/, ''));
  return range.split('||').some((part) => {
    const clause = part.trim();
    const caret = /^\^(\d+\.\d+\.\d+)$/.exec(clause);
    if (caret?.[1]) {
      const min = parse(caret[1]);
      return v[0] === min[0] && compare(v, min) >= 0;
    }
    const atLeast = /^>=\s*(\d+\.\d+\.\d+)$/.exec(clause);
    if (atLeast?.[1]) return compare(v, parse(atLeast[1])) >= 0;
    throw new Error(`engines.node: cannot read '${clause}' (use ^A.B.C or >=A.B.C joined by ||)`);
  });
}

export function nodeRange(root = '.'): string {
  const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
    engines?: { node?: string };
  };
  const range = manifest.engines?.node;
  if (!range) throw new Error('package.json has no engines.node');
  return range;
}
