// `consistency-check`: the project's own README.md and docs/ name only existing make targets and CLI commands with valid flags; a broken line fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOps } from '../fixtures/ops.js';

test('README.md and docs/: every make and marketmakerl line holds', () => {
  const r = runOps(['consistency-check']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json.ok, true);
  assert.ok(r.json.make_lines >= 20, `only ${r.json.make_lines} make lines seen`);
  assert.ok(r.json.cli_lines >= 40, `only ${r.json.cli_lines} marketmakerl lines seen`);
  assert.deepEqual(r.json.broken, []);
  assert.deepEqual(r.json.help_targets_missing, []);
});

test('a misspelt target, an unused make variable, an unknown command, sub-command or flag: exit 1, each named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-consistency-'));
  const doc = join(dir, 'doc.md');
  writeFileSync(
    doc,
    [
      '# doc',
      '```bash',
      'make campain',
      'make run MODE=paper NOT_A_VAR=1',
      './bin/marketmakerl backtest --data x.csv \\',
      '   --gama 0.1   # --bogus in a comment is not checked',
      'PAPER_ONLY=0 ./bin/marketmakerl realtim --mode live',
      './bin/marketmakerl simulate as2009',
      'make test && ./bin/marketmakerl halt --clear',
      'marketmakerl help && marketmakerl help backtest && marketmakerl help backtset',
      '```',
      'Prose with `marketmakerl halt --clean` and `make clean`.',
      '',
    ].join('\n'),
  );
  const r = runOps(['consistency-check', '--docs', doc]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.json.ok, false);
  const problems = r.json.broken.map((b: { line: number; problem: string }) => `${b.line}: ${b.problem}`);
  assert.deepEqual(problems, [
    "3: no make target 'campain'",
    "4: make variable NOT_A_VAR is not used by the Makefile",
    '5: marketmakerl backtest has no flag --gama',
    "7: no marketmakerl command 'realtim'",
    "8: marketmakerl simulate has no sub-command 'as2009'",
    "10: marketmakerl help: no command 'backtset'",
    '12: marketmakerl halt has no flag --clean',
  ]);
  assert.match(r.stderr, /doc\.md:3: no make target 'campain'/);
});

test('an unreadable docs file is bad input: exit 2, one line', () => {
  const r = runOps(['consistency-check', '--docs', '/nonexistent/doc.md']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--docs: cannot read file/);
});
