// The command line as a new user meets it: no arguments or `help` print the full help; typos get commander's suggestion and exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI_CWD, cliArgs } from '../fixtures/cli-source.js';

const cli = (...args: string[]) => spawnSync(process.execPath, cliArgs(...args), { cwd: CLI_CWD, encoding: 'utf8' });
const COMMANDS = ['backtest', 'run', 'study', 'analyze', 'compare', 'report', 'realtime', 'dashboard', 'convert', 'halt'];

test('no arguments and `help` print the full help on stdout, exit 0', () => {
  for (const args of [[], ['help']]) {
    const r = cli(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^Usage: marketmakerl/);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c}\\b`, 'm'), `${args.join(' ') || '(no args)'} lists ${c}`);
  }
});

test('`help <command>` prints that command’s options', () => {
  const r = cli('help', 'backtest');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: marketmakerl backtest/);
  assert.match(r.stdout, /--gamma <x>/);
});

for (const [what, args, first, suggestion] of [
  ['a misspelt command', ['backtst'], /^error: unknown command 'backtst'$/, /^\(Did you mean backtest\?\)$/],
  ['a misspelt flag', ['backtest', '--gama', '1'], /^error: unknown option '--gama'$/, /^\(Did you mean --gamma\?\)$/],
  ['a misspelt flag of another command', ['study', '--evnts', 'x'], /^error: unknown option '--evnts'$/, /^\(Did you mean --events\?\)$/],
] as const) {
  test(`${what}: exit 2, the error and commander's suggestion on stderr, nothing on stdout`, () => {
    const r = cli(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[0]!, first);
    assert.match(lines[1]!, suggestion);
  });
}

test('an unknown command with nothing close to it: one line, exit 2', () => {
  const r = cli('frobnicate');
  assert.equal(r.status, 2);
  assert.deepEqual(r.stderr.trim().split('\n'), ["error: unknown command 'frobnicate'"]);
});
