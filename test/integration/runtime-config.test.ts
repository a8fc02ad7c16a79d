// Runtime config: every kind of bad config is one line naming the path, exit 2, nothing written; the JSON Schema is current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../src/core/index.js';
import { loadConfig, validateConfig, configJsonSchemaText } from '../../src/runtime/index.js';
import { KLINES_1M } from '../fixtures/shared-data.js';
import { REPO_ROOT, SHIPPED_CONFIG, cli, files, pipeline, runIn, smallConfig, tmp, writeConfig } from './runtime-helpers.js';

test('the shipped config and the examples are valid', () => {
  const shipped = loadConfig(SHIPPED_CONFIG, REPO_ROOT);
  assert.deepEqual(
    shipped.agents.map((a) => a.role),
    ['data', 'ml', 'execution', 'risk'],
  );
  assert.equal(shipped.mode, 'backtest');
  assert.equal(loadConfig('config/examples/two-pipelines.yaml', REPO_ROOT).agents.length, 7);
  if (existsSync(KLINES_1M)) assert.equal(loadConfig('config/examples/btcusdt-1m.yaml', REPO_ROOT).agents[0]!.role, 'data');
});

type Doc = Record<string, unknown> & { agents: Record<string, unknown>[] };
const base = (): Doc => smallConfig() as Doc;
const at = (d: Doc, i: number): Record<string, unknown> => d.agents[i]!;

const cases: [string, (d: Doc) => void, string][] = [
  ['unknown role', (d) => (at(d, 2)['role'] = 'trader'), 'agents[2].role: expected one of data, ml, execution, risk'],
  ['missing role', (d) => delete at(d, 2)['role'], 'agents[2].role: expected one of data, ml, execution, risk'],
  ['unknown input', (d) => (at(d, 1)['inputs'] = ['nope']), "agents[1].inputs[0]: unknown agent 'nope'"],
  [
    'cycle',
    (d) => {
      at(d, 1)['inputs'] = ['exec'];
    },
    'agents[1].inputs: cycle model -> exec -> model',
  ],
  ['self input', (d) => (at(d, 3)['inputs'] = ['risk']), 'agents[3].inputs: cycle risk -> risk'],
  ['duplicate name', (d) => (at(d, 3)['name'] = 'exec'), "agents[3].name: duplicate agent name 'exec' (also agents[2])"],
  ['wrong input role', (d) => (at(d, 2)['inputs'] = ['data']), 'agents[2].inputs: an execution agent takes exactly one ml agent, got data (data)'],
  ['data with inputs', (d) => (at(d, 0)['inputs'] = ['risk']), 'agents[0].inputs: cycle data -> risk -> exec -> model -> data'],
  ['negative gamma', (d) => (at(d, 1)['params'] = { gamma: -1 }), 'agents[1].params.gamma: too small: expected number to be >0'],
  ['unknown param', (d) => (at(d, 0)['params'] = { bras: 10 }), 'agents[0].params.bras: unknown field (did you mean agents[0].params.bars?)'],
  ['unknown top-level field', (d) => (d['agentz'] = []), 'agentz: unknown field (did you mean agents?)'],
  ['bad mode', (d) => (d['mode'] = 'paperish'), 'mode: expected one of backtest, paper, live, got "paperish"'],
  ['bad log format', (d) => (d['logging'] = { format: 'xml' }), 'logging.format: expected one of jsonl, pretty, got "xml"'],
  ['missing name', (d) => delete at(d, 0)['name'], 'agents[0].name: required (string)'],
  ['name unfit for a file', (d) => (at(d, 0)['name'] = 'my data'), "agents[0].name: expected letters, digits, '_' or '-' (it becomes part of file names)"],
  ['no agents', (d) => (d.agents = []), 'agents: too small: expected array to have >=1 items'],
  ['file source without file', (d) => (at(d, 0)['params'] = { source: 'file' }), 'agents[0].params.file: required with source: file (or data.path)'],
  ['missing data file', (d) => (at(d, 0)['params'] = { source: 'file', file: 'missing.csv' }), `agents[0].params.file: cannot read file ${join('/nowhere', 'missing.csv')}`],
];

for (const [label, mutate, message] of cases) {
  test(`bad config (${label}) → ${message}`, () => {
    const d = base();
    mutate(d);
    assert.throws(
      () => validateConfig(d, '/nowhere'),
      (e: unknown) => e instanceof UserError && e.message === message && e.exitCode === 2,
    );
  });
}

test('a data agent may take no inputs even without a cycle', () => {
  const d = base();
  d.agents.push({ name: 'data2', role: 'data', inputs: ['data'] });
  assert.throws(() => validateConfig(d), { message: 'agents[4].inputs: a data agent takes no inputs' });
});

test('a bad config run writes nothing', async () => {
  const dir = tmp('badcfg');
  const d = base();
  at(d, 2)['role'] = 'trader';
  const path = writeConfig(dir, d);
  await assert.rejects(runIn(dir, { configPath: path }), { message: 'agents[2].role: expected one of data, ml, execution, risk' });
  assert.deepEqual(files(dir), ['config.yaml']);
});

test('CLI: bad config → one line on stderr, exit 2, nothing on stdout, nothing written', () => {
  const dir = tmp('badcli');
  const d = smallConfig([...pipeline('')]) as Doc;
  at(d, 2)['role'] = 'trader';
  writeConfig(dir, d);
  const r = cli(['run', '--config', 'config.yaml'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'error: agents[2].role: expected one of data, ml, execution, risk\n');
  assert.equal(r.stdout, '');
  assert.deepEqual(files(dir), ['config.yaml']);
});

test('CLI: unreadable config and bad flags are one-line errors with exit 2', () => {
  const dir = tmp('badflags');
  assert.deepEqual(cli(['run', '--config', 'nope.yaml'], dir), { code: 2, stdout: '', stderr: 'error: --config: cannot read file nope.yaml\n' });
  writeConfig(dir, smallConfig());
  assert.equal(cli(['run', '--config', 'config.yaml', '--mode', 'sim'], dir).stderr, "error: --mode: expected one of backtest, paper, live, got 'sim'\n");
  assert.equal(cli(['run', '--config', 'config.yaml', '--max-workers', '0'], dir).stderr, "error: --max-workers: expected an integer >= 1, got '0'\n");
  assert.deepEqual(files(dir), ['config.yaml']);
});

test('CLI: paths.artifacts_dir follows the output folder rules: the root, the working folder, a file or a user folder are refused before any work', () => {
  const dir = tmp('artdir');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.ts'), 'mine');
  writeFileSync(join(dir, 'plain'), 'a file');
  mkdirSync(join(dir, 'empty'));
  const before = files(dir);
  for (const [at, re] of [
    ['/', /^error: paths\.artifacts_dir: '\/' is the root folder/],
    ['.', /^error: paths\.artifacts_dir: '\.' is the working folder or one of its parents/],
    ['..', /^error: paths\.artifacts_dir: '\.\.' is the working folder or one of its parents/],
    ['src', /^error: paths\.artifacts_dir: 'src' is a folder that is not empty and was not written by marketmakerl/],
    ['plain', /^error: paths\.artifacts_dir: 'plain' is a file, not a folder/],
  ] as const) {
    writeConfig(dir, { ...smallConfig(), paths: { artifacts_dir: at, data_dir: '.' } }, 'art.yaml');
    const r = cli(['run', '--config', 'art.yaml', '--run-id', 'refusedrun'], dir);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
  assert.equal(existsSync('/refusedrun_summary.json'), false);
  assert.deepEqual(files(dir), [...before, 'art.yaml'].sort());
  assert.deepEqual(files(join(dir, 'src')), ['main.ts']);
  // A new or empty folder becomes the runtime's; later runs add to it.
  for (const at of ['empty', 'new/art']) {
    writeConfig(dir, { ...smallConfig(), paths: { artifacts_dir: at, data_dir: '.' } }, 'art.yaml');
    for (const id of ['r1', 'r2']) {
      const r = cli(['run', '--config', 'art.yaml', '--run-id', id], dir);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.ok(files(join(dir, at)).includes('r2_summary.json'), at);
  }
});

test('schemas/config.schema.json is generated from the zod schema and up to date (make config-schema)', () => {
  const onDisk = readFileSync(join(REPO_ROOT, 'schemas', 'config.schema.json'), 'utf8');
  assert.equal(onDisk, configJsonSchemaText());
  const schema = JSON.parse(onDisk) as { properties: Record<string, unknown> };
  assert.deepEqual(Object.keys(schema.properties), ['seed', 'capital', 'market', 'data', 'quoting', 'features', 'risk', 'sim', 'loop', 'metrics', 'live', 'markets', 'portfolio', 'hedge', 'analysis', 'mode', 'run_id', 'paths', 'logging', 'agents']);
});
