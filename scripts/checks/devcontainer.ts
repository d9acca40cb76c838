// `make devcontainer-check`: validates .devcontainer/ without an engine, with Compose as the judge
// of paths (see devcontainer/check.ts).

import { findRepoRoot } from '@app/shared/env/node';
import { commandArgs } from '../lib/args.ts';
import { die, fail, ok } from '../lib/output.ts';
import { checkDevcontainer } from './devcontainer/check.ts';

commandArgs({
  usage: 'make devcontainer-check',
  summary: 'Check .devcontainer without an engine: paths, services, ports, make targets.',
  options: {},
});

const root = findRepoRoot();
if (!root) die('no pnpm-workspace.yaml above this folder: run it from the repository');

const { problems, summary } = checkDevcontainer(root);
if (problems.length === 0) {
  ok(`devcontainer: ${summary}`);
  process.exit(0);
}
for (const problem of problems) fail(problem);
// One stream for the whole report, so the lines never interleave.
fail(`devcontainer: ${problems.length} problem(s) in .devcontainer/ or the files it names`);
process.exit(1);
