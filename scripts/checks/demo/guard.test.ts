import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifySource, stripDemo } from '../../lib/template-demo.ts';
import { demoViolations } from './guard.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('the demo rule', () => {
  it('holds for this repository: nothing outside the rule depends on the demo', () => {
    // A new file that imports a demo module, names a demo job or queries a demo table without a
    // marker fails here, before `make remove-demo` would leave it broken (decision 0095).
    expect(demoViolations(root)).toEqual([]);
  });

  it('finds a marked file and balanced blocks, and strips them', () => {
    const found = classifySource('a\n// demo:start\nb\n// demo:end\nc');
    expect(found).toEqual({ demoFile: false, blocks: [[1, 3]], problems: [] });
    expect(stripDemo('a\n// demo:start\nb\n// demo:end\nc', found.blocks)).toBe('a\nc');
    expect(classifySource('// template-demo\nx').demoFile).toBe(true);
    expect(classifySource('<!-- template-demo -->\nx').demoFile).toBe(true);
    expect(classifySource('# demo:start\nx').problems).toEqual([
      'line 1: demo:start without demo:end',
    ]);
  });

  it('fails on a new file that depends on the demo outside the rule', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'demo-guard-'));
    try {
      execFileSync('git', ['init', '-q'], { cwd: dir });
      writeFileSync(path.join(dir, 'demo.ts'), '// template-demo\nexport const x = 1;\n');
      writeFileSync(
        path.join(dir, 'user.ts'),
        "import { x } from './demo.ts';\nexport const y = x;\n",
      );
      writeFileSync(
        path.join(dir, 'ok.ts'),
        "// demo:start\nimport { x } from './demo.ts';\n// demo:end\n",
      );
      expect(demoViolations(dir)).toEqual([
        'user.ts: imports the demo file demo.ts (mark it demo or block the import)',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
