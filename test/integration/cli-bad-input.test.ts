// Every command with truncated, empty, non-finite and absurd inputs: exit 2, one line, no stack trace, nothing written.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { allocEvents, EventType, type EventColumns } from '../../src/market/index.js';
import { writeEvents } from '../../src/data/index.js';
import { CAPTURE_DIR, CLI, KLINES_5M, REPO_ROOT } from '../fixtures/shared-data.js';

const base = mkdtempSync(join(tmpdir(), 'mm-bad-'));
const inp = join(base, 'in');
mkdirSync(inp, { recursive: true });
const f = (name: string): string => join(inp, name);

/** A small valid event file, then copies with one bad row each. */
function events(mutate?: (e: EventColumns) => void): EventColumns {
  const n = 400;
  const e = allocEvents(n);
  const t0 = 1_723_161_300_000_000;
  for (let i = 0; i < n; i++) {
    const trade = i % 4 === 3;
    e.type[i] = i < 2 ? EventType.Snapshot : trade ? EventType.Trade : EventType.Delta;
    e.side[i] = i % 2 === 0 ? 1 : -1;
    e.flags[i] = 1 | (i === 0 ? 2 : 0);
    e.tsExchange[i] = t0 + i * 100_000;
    e.tsLocal[i] = t0 + i * 100_000 + 5_000;
    e.price[i] = e.side[i] === 1 ? 100 - (i % 3) * 0.01 : 100.01 + (i % 3) * 0.01;
    e.size[i] = 1 + (i % 5);
    e.id[i] = i + 1;
  }
  e.length = n;
  mutate?.(e);
  return e;
}

function fixtures(): void {
  writeFileSync(f('empty.csv'), '');
  writeFileSync(f('header-only.csv'), 'timestamp,open,high,low,close,volume\n');
  const klines = readFileSync(KLINES_5M, 'utf8').split('\n').slice(0, 600).join('\n');
  writeFileSync(f('truncated.csv'), klines.slice(0, klines.length / 2 + 7));
  const rows = klines.split('\n');
  const poison = (col: number, value: string): string =>
    rows.map((r, i) => (i === 300 ? r.split(',').map((c, j) => (j === col ? value : c)).join(',') : r)).join('\n') + '\n';
  writeFileSync(f('nan-close.csv'), poison(4, 'NaN'));
  writeFileSync(f('negative-low.csv'), poison(3, '-5'));
  writeFileSync(f('inf-high.csv'), poison(2, 'Infinity'));
  writeFileSync(f('empty.arrow'), '');
  writeEvents(f('good.arrow'), events());
  const good = readFileSync(f('good.arrow'));
  writeFileSync(f('truncated.arrow'), good.subarray(0, Math.floor(good.length / 2)));
  writeEvents(f('nan-price.arrow'), events((e) => (e.price[200] = Number.NaN)));
  writeEvents(f('negative-size.arrow'), events((e) => (e.size[201] = -3)));
  writeEvents(f('inf-price.arrow'), events((e) => (e.price[202] = Number.POSITIVE_INFINITY)));
  writeEvents(f('zero-price.arrow'), events((e) => (e.price[203] = 0)));
  writeEvents(f('time-back.arrow'), events((e) => (e.tsLocal[204] = e.tsLocal[203]! - 3_600_000_000)));
  writeEvents(f('bad-type.arrow'), events((e) => (e.type[205] = 9)));
  const capture = gunzipSync(readFileSync(join(CAPTURE_DIR, 'btcusdt_20240808.gz'))).toString('utf8').split('\n').slice(0, 3000);
  writeFileSync(f('empty.gz'), gzipSync(Buffer.alloc(0)));
  writeFileSync(f('truncated.gz'), gzipSync(Buffer.from(capture.join('\n'))).subarray(0, 5000));
  const badTrade = capture.findIndex((l) => l.includes('@trade'));
  writeFileSync(f('negative-trade.txt'), capture.map((l, i) => (i === badTrade ? l.replace(/"p":"[0-9.]+"/, '"p":"-61837.63"') : l)).join('\n') + '\n');
  writeFileSync(f('nan-trade.txt'), capture.map((l, i) => (i === badTrade ? l.replace(/"q":"[0-9.]+"/, '"q":"NaN"') : l)).join('\n') + '\n');
  writeFileSync(f('garbage.txt'), 'hello world\nthis is not a capture\n');
  writeFileSync(f('empty.yaml'), '');
  writeFileSync(f('comments.yaml'), '# settings to come\n\n# quoting:\n#   gamma: 0.1\n');
  writeFileSync(f('truncated.yaml'), 'quoting:\n  gamma: [0.1, 0.2\n');
  writeFileSync(f('not-a-mapping.yaml'), '- 1\n- 2\n');
  writeFileSync(f('nan.yaml'), 'gamma: .nan\n');
  writeFileSync(f('nan-gamma.yaml'), 'quoting:\n  gamma: .nan\n');
  writeFileSync(f('inf-limit.yaml'), 'risk:\n  max_drawdown: .inf\n');
  writeFileSync(f('huge-capital.yaml'), 'capital: 1e999\n');
  writeFileSync(f('nan-k-mode.yaml'), 'analysis:\n  space:\n    k_mode: [calibrated, .nan]\n');
  writeFileSync(f('nan-rl.yaml'), 'base_gamma: .nan\n');
  writeFileSync(f('empty.json'), '');
  writeFileSync(f('truncated.json'), '{"kind": "linear", "weights": [1, 2');
  writeFileSync(f('not-sqlite.sqlite'), 'this is not a database');
  mkdirSync(f('a-folder'));
  const run = f('run-truncated');
  mkdirSync(run);
  writeFileSync(join(run, 'metrics.json'), '{"total_pnl": 1, "sharpe"');
  writeFileSync(join(run, 'trace.csv'), 'ts,bid,ask\n1,2');
  writeFileSync(join(run, 'config.json'), '{');
}

type Case = readonly [name: string, args: readonly string[], expected: RegExp, opts?: { todo?: string }];

const LADDER = join(REPO_ROOT, 'examples', 'strategies', 'ladder.ts');

/** A flag that cannot act on the run the other flags chose: refused naming the flag and why, never ignored. */
const BARS_ONLY = /applies to simulated bars only \(no --data, --exchange or --events\)/;
const TICK_ONLY = /applies to the tick backtest only \(--events FILE, or --engine tick\); this run is on bars$/;
const MODE_FLAG_CASES: readonly Case[] = [
  ['backtest --data: --bars', ['backtest', '--data', KLINES_5M, '--bars', '500'], new RegExp(`^error: --bars: ${BARS_ONLY.source}; this run reads klines \\(--data\\)$`)],
  ['backtest --exchange: --bars', ['backtest', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--bars', '500'], new RegExp(`^error: --bars: ${BARS_ONLY.source}; this run reads klines \\(--exchange\\)$`)],
  ['backtest, klines in the config: --bars', ['backtest', '--config', f('klines.yaml'), '--bars', '500'], /^error: --bars: .*this run reads klines \(data\.path of --config .*klines\.yaml\)$/],
  ['backtest --events: --bars', ['backtest', '--events', f('good.arrow'), '--bars', '500'], new RegExp(`^error: --bars: ${BARS_ONLY.source}; this run replays an event file$`)],
  ['backtest --events: --touch-fill-prob', ['backtest', '--events', f('good.arrow'), '--touch-fill-prob', '0.3'], /^error: --touch-fill-prob: a bar-fill setting .*; the tick backtest fills from the event file's trades/],
  ['backtest --engine tick: --touch-fill-prob', ['backtest', '--config', f('klines.yaml'), '--engine', 'tick', '--touch-fill-prob', '0.3'], /^error: --touch-fill-prob: a bar-fill setting/],
  ['backtest --events: --seed', ['backtest', '--events', f('good.arrow'), '--seed', '3'], /^error: --seed: the tick backtest draws nothing at random \(the seed drives simulated bars and bar touch fills\)$/],
  ['backtest: --param without a strategy module', ['backtest', '--param', 'back=1'], /^error: --param: sets a strategy module's declared parameter; give the module \(--strategy FILE or quoting\.strategy\), the built-in models have none$/],
  ['realtime: --param without a strategy module', ['realtime', '--param', 'back=1'], /^error: --param: sets a strategy module's declared parameter/],
  ['analyze: --param without a strategy module', ['analyze', '--data', KLINES_5M, '--param', 'back=1'], /^error: --param: sets a strategy module's declared parameter/],
  ['backtest --events: --vol-estimator', ['backtest', '--events', f('good.arrow'), '--vol-estimator', 'ewma'], /^error: --vol-estimator: a bar-feature setting; the tick backtest estimates σ from the mid/],
  ['backtest --events: --exchange-url', ['backtest', '--events', f('good.arrow'), '--exchange-url', 'http://127.0.0.1:9'], /^error: --exchange-url: only with --exchange \(klines from the history cache\); this run replays an event file$/],
  ['backtest --events, an exchange in the config: --days', ['backtest', '--config', f('history.yaml'), '--events', f('good.arrow'), '--days', '3'], /^error: --days: only with --exchange \(klines from the history cache\); this run replays an event file$/],
  ['backtest --data: --queue', ['backtest', '--data', KLINES_5M, '--queue', 'power:2'], new RegExp(`^error: --queue: ${TICK_ONLY.source}`)],
  ['backtest (simulated bars): --order-latency-ms', ['backtest', '--order-latency-ms', '5'], new RegExp(`^error: --order-latency-ms: ${TICK_ONLY.source}`)],
  ['backtest --data: --feed-latency-ms', ['backtest', '--data', KLINES_5M, '--feed-latency-ms', '5'], new RegExp(`^error: --feed-latency-ms: ${TICK_ONLY.source}`)],
  ['backtest --data: --order-latency-file', ['backtest', '--data', KLINES_5M, '--order-latency-file', f('nan-close.csv')], new RegExp(`^error: --order-latency-file: ${TICK_ONLY.source}`)],
  ['backtest --data: --taker-fee-bps', ['backtest', '--data', KLINES_5M, '--taker-fee-bps', '4'], new RegExp(`^error: --taker-fee-bps: ${TICK_ONLY.source}`)],
  ['backtest --data: --whole-fills', ['backtest', '--data', KLINES_5M, '--whole-fills'], new RegExp(`^error: --whole-fills: ${TICK_ONLY.source}`)],
  ['backtest --data: --partial-fills', ['backtest', '--data', KLINES_5M, '--partial-fills'], new RegExp(`^error: --partial-fills: ${TICK_ONLY.source}`)],
  ['backtest --data: --no-post-only', ['backtest', '--data', KLINES_5M, '--no-post-only'], new RegExp(`^error: --no-post-only: ${TICK_ONLY.source}`)],
  ['backtest --data: --decision-interval-ms', ['backtest', '--data', KLINES_5M, '--decision-interval-ms', '50'], new RegExp(`^error: --decision-interval-ms: ${TICK_ONLY.source}`)],
  ['backtest, klines in the config: --sample-interval-ms', ['backtest', '--config', f('klines.yaml'), '--sample-interval-ms', '50'], new RegExp(`^error: --sample-interval-ms: ${TICK_ONLY.source}`)],
  ['backtest: --model beside --strategy', ['backtest', '--strategy', LADDER, '--model', 'glft'], /^error: --model: a strategy module \(--strategy\) quotes instead of the built-in model; give one of them$/],
  ['backtest: --model, a strategy in the config', ['backtest', '--config', f('strategy.yaml'), '--model', 'glft'], /^error: --model: the strategy module that --config .*strategy\.yaml names \(quoting\.strategy\) quotes instead of the built-in model/],
  ['backtest: --policy without --model rl', ['backtest', '--policy', f('missing.json')], /^error: --policy: applies to --model rl only \(a policy retunes AS or GLFT as it quotes\); this run quotes with as$/],
  ['backtest: --policy beside --strategy', ['backtest', '--strategy', LADDER, '--model', 'rl', '--policy', f('missing.json')], /^error: --model: a strategy module \(--strategy\) quotes instead/],
  ['realtime: --policy without --model rl', ['realtime', '--model', 'glft', '--policy', f('missing.json')], /^error: --policy: applies to --model rl only .*; this run quotes with glft$/],
  ['realtime: --model, a strategy in the config', ['realtime', '--config', f('strategy.yaml'), '--model', 'as'], /^error: --model: the strategy module that --config .*strategy\.yaml names/],
  ['analyze: --policy beside --strategy', ['analyze', '--data', KLINES_5M, '--strategy', LADDER, '--policy', f('missing.json')], /^error: --policy: a strategy module \(--strategy\) replaces the models of the sweep; the policy \(model rl\) would never run$/],
  ['analyze: --policy, rl left out of the space', ['analyze', '--data', KLINES_5M, '--config', f('space-as-glft.yaml'), '--policy', f('missing.json')], /^error: --policy: adds model rl to the sweep, but analysis\.space\.model of --config .*space-as-glft\.yaml leaves it out \(as, glft\)$/],
  ['analyze --data: --exchange-url', ['analyze', '--data', KLINES_5M, '--exchange-url', 'http://127.0.0.1:9'], /^error: --exchange-url: only with --exchange \(klines from the history cache\)$/],
  ['analyze --events: --end', ['analyze', '--events', f('good.arrow'), '--end', '2024-08-31T00:00:00Z'], /^error: --end: only with --exchange/],
  ['analyze --events, an exchange in the config: --symbol', ['analyze', '--config', f('history.yaml'), '--events', f('good.arrow'), '--symbol', 'BTC/USDT'], /^error: --symbol: only with --exchange \(klines from the history cache\); --engine tick reads an event file$/],
  ['analyze --events, an exchange in the config: --exchange-url', ['analyze', '--config', f('history.yaml'), '--events', f('good.arrow'), '--exchange-url', 'http://127.0.0.1:9'], /^error: --exchange-url: only with --exchange .*; --engine tick reads an event file$/],
  ['analyze --merge: --workers', ['analyze', '--data', KLINES_5M, '--merge', f('a-folder'), '--workers', '2'], /^error: --workers: a merge runs no case \(the shards hold every result\); give it to the analyze --shard runs$/],
  ['analyze --merge: --no-shared-pass', ['analyze', '--data', KLINES_5M, '--merge', f('a-folder'), '--no-shared-pass'], /^error: --no-shared-pass: a merge runs no case/],
  ['analyze --queue: --workers', ['analyze', '--data', KLINES_5M, '--queue', 'redis://127.0.0.1:9', '--workers', '2'], /^error: --workers: with --queue the cases run on the queue's workers \(marketmakerl worker --concurrency N\), not in this process$/],
  ['realtime (paper): --sandbox', ['realtime', '--sandbox'], /^error: --sandbox: only with --mode live \(paper trading sends no order to an exchange\)$/],
  ['realtime (paper): --confirm-live', ['realtime', '--replay', f('good.arrow'), '--confirm-live'], /^error: --confirm-live: only with --mode live/],
  ['realtime --clock event: --confirm-live', ['realtime', '--replay', f('good.arrow'), '--clock', 'event', '--confirm-live'], /^error: --confirm-live: only with --mode live/],
  ['realtime on the exchange: --speed', ['realtime', '--speed', '10'], /^error: --speed: only with --replay \(the pace of a replayed recording\)$/],
  ['realtime --replay: --exchange-url', ['realtime', '--replay', f('good.arrow'), '--exchange-url', 'http://127.0.0.1:9'], /^error: --exchange-url: not used with --replay \(the recording is the market feed\)$/],
  ['realtime --replay: --feed', ['realtime', '--replay', f('good.arrow'), '--feed', 'rest'], /^error: --feed: not used with --replay/],
  ['realtime --mode live: --queue', ['realtime', '--mode', 'live', '--confirm-live', '--queue', 'power:2'], /^error: --queue: a paper-venue setting; with --mode live the exchange fills the orders and charges its own fees$/],
  ['realtime --mode live: --maker-fee-bps', ['realtime', '--mode', 'live', '--confirm-live', '--maker-fee-bps', '0'], /^error: --maker-fee-bps: a paper-venue setting/],
  ['realtime --mode live: --order-latency-ms', ['realtime', '--mode', 'live', '--confirm-live', '--order-latency-ms', '5'], /^error: --order-latency-ms: a paper-venue setting/],
  ['realtime --mode live: --speed', ['realtime', '--mode', 'live', '--confirm-live', '--speed', '5'], /^error: --speed: only with --replay/],
  ['study --data: --tick-size', ['study', '--data', KLINES_5M, '--tick-size', '0.1'], /^error: --tick-size: only with --events/],
  ['halt --clear: --reason', ['halt', '--halt-file', join('nowhere', 'HALT'), '--clear', '--reason', 'maintenance'], /^error: --reason: not used with --clear \(it removes the halt file; a dashboard's halt is lifted the same way\)$/],
  ['halt --clear: --url', ['halt', '--clear', '--url', 'http://127.0.0.1:9'], /^error: --url: not used with --clear/],
  ['halt: --token-file without --url', ['halt', '--halt-file', join('nowhere', 'HALT'), '--token-file', f('empty.json')], /^error: --token-file: only with --url \(where the dashboard's token is found\)$/],
  ['halt: --ledger without --url', ['halt', '--halt-file', join('nowhere', 'HALT'), '--ledger', f('not-sqlite.sqlite')], /^error: --ledger: only with --url/],
  ['evaluate-rl --simulate: --train-data', ['evaluate-rl', '--policy', f('missing.json'), '--simulate', '--train-data', KLINES_5M], /^error: --train-data: only with --data \(--simulate evaluates on the simulated market the policy was trained on/],
  ['status-page: --port without --serve or --open', ['status-page', '--port', '9999'], /^error: --port: only with --serve or --open \(without them the page is only written\)$/],
  ['compare: --force without --out or --html', ['compare', f('run-truncated'), f('run-truncated'), '--force'], /^error: --force: replaces an existing --out or --html file; without them compare writes no file$/],
  ['report: --force without --out', ['report', f('run-truncated'), '--force'], /^error: --force: replaces an existing --out file; the default report beside the run's files is replaced without it$/],
  ['study: --force without --out', ['study', '--simulate', '--bars', '500', '--force'], /^error: --force: replaces an existing --out file; the default path is a new file/],
  ['evaluate-rl: --force without --out', ['evaluate-rl', '--policy', f('missing.json'), '--simulate', '--force'], /^error: --force: replaces an existing --out file; the default evaluation\.json beside the policy is replaced without it$/],
  ['calibrate-sim: --force without --out', ['calibrate-sim', '--ledger', f('not-sqlite.sqlite'), '--force'], /^error: --force: replaces an existing --out file; without --out the fit is only printed$/],
  ['backtest: --hedge-mode without a hedge', ['backtest', '--events', f('good.arrow'), '--hedge-mode', 'passive'], /^error: --hedge-mode: applies to a config with a hedge: section; no --config was given$/],
  ['backtest: --hedge-mode, a config without a hedge', ['backtest', '--config', f('klines.yaml'), '--hedge-mode', 'passive'], /^error: --hedge-mode: applies to a config with a hedge: section; --config .*klines\.yaml has none$/],
];

/** A config file with no settings (empty, or only comments): every command that reads one refuses it alike. */
const NO_SETTINGS = (flag: string, file: string): RegExp => new RegExp(`^error: ${flag}: .*${file.replace('.', '\\.')} holds no settings \\(it is empty or only comments\\)`);
const EMPTY_CONFIG_CASES: readonly Case[] = (['empty.yaml', 'comments.yaml'] as const).flatMap((file): Case[] => [
  [`backtest: ${file} as the config`, ['backtest', '--bars', '500', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`analyze: ${file} as the config`, ['analyze', '--data', KLINES_5M, '--config', f(file)], NO_SETTINGS('--config', file)],
  [`realtime: ${file} as the config`, ['realtime', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`run: ${file} as the config`, ['run', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`train-rl: ${file} as the config`, ['train-rl', '--simulate', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`risk-calibration: ${file} as the config`, ['risk-calibration', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`campaign: ${file} as the config`, ['campaign', '--n', '1', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`experiments: ${file} as the config`, ['experiments', '--preset', 'walk-forward', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`daily-smoke: ${file} as the config`, ['daily-smoke', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--config', f(file)], NO_SETTINGS('--config', file)],
  [`mvp-launch: ${file} as the analysis config`, ['mvp-launch', '--config', join(REPO_ROOT, 'config', 'config.yaml'), '--analysis-config', f(file)], NO_SETTINGS('--analysis-config', file)],
  [`parity: ${file} as the sim config`, ['parity', '--ledger', f('not-sqlite.sqlite'), '--sim-config', f(file)], NO_SETTINGS('--sim-config', file)],
]);

/** [name, arguments, what the one line must say]. Absurd values and config typos that the strict configs refuse are marked. */
const CASES: readonly Case[] = [
  ['backtest: empty kline file', ['backtest', '--data', f('empty.csv')], /empty\.csv: expected at least 2 bars, found 0/],
  ['backtest: header only', ['backtest', '--data', f('header-only.csv')], /header-only\.csv: expected at least 2 bars/],
  ['backtest: truncated kline file', ['backtest', '--data', f('truncated.csv')], /truncated\.csv:\d+: expected 12 columns/],
  ['backtest: NaN close', ['backtest', '--data', f('nan-close.csv')], /line|row|close/],
  ['backtest: negative low', ['backtest', '--data', f('negative-low.csv')], /line|row|low/],
  ['backtest: infinite high', ['backtest', '--data', f('inf-high.csv')], /line|row|high/],
  ['backtest: missing file', ['backtest', '--data', f('missing.csv')], /--data/],
  ['backtest: a folder as data', ['backtest', '--data', f('a-folder')], /--data/],
  ['backtest: NaN seed', ['backtest', '--seed', 'NaN'], /^error: --seed: expected a finite number, got 'NaN'$/],
  ['backtest: Infinity gamma', ['backtest', '--gamma', 'Infinity'], /^error: --gamma: expected a finite number, got 'Infinity'$/],
  ['backtest: nan gamma', ['backtest', '--gamma', 'nan'], /^error: --gamma: expected a finite number, got 'nan'$/],
  ['backtest: a gamma past the largest number', ['backtest', '--gamma', '1e999'], /^error: --gamma: expected a finite number, got '1e999'$/],
  ['backtest: an infinite parameter', ['backtest', '--param', 'x=Infinity'], /^error: --param: expected name=number \(a finite number\), got 'x=Infinity'$/],
  ['backtest: .nan in the config', ['backtest', '--config', f('nan-gamma.yaml')], /^error: --config .*nan-gamma\.yaml: quoting\.gamma: expected a finite number, got NaN$/],
  ['backtest: .inf in the config', ['backtest', '--config', f('inf-limit.yaml')], /^error: --config .*inf-limit\.yaml: risk\.max_drawdown: expected a finite number, got Infinity$/],
  ['backtest: 1e999 in the config', ['backtest', '--config', f('huge-capital.yaml')], /^error: --config .*huge-capital\.yaml: capital: expected a finite number, got Infinity$/],
  ['realtime: .nan in the config', ['realtime', '--config', f('nan-gamma.yaml')], /quoting\.gamma: expected a finite number, got NaN$/],
  ['analyze: .nan among the k levels', ['analyze', '--data', KLINES_5M, '--config', f('nan-k-mode.yaml')], /analysis\.space\.k_mode\[1\]: expected a finite number or "calibrated", got NaN$/],
  ['train-rl: .nan in its config', ['train-rl', '--simulate', '--config', f('nan-rl.yaml')], /^error: --config .*nan-rl\.yaml: base_gamma: expected a finite number or "tune", got NaN$/],
  ['campaign: an infinite seed', ['campaign', '--n', '1', '--seed', 'Infinity'], /^error: --seed: expected a finite number, got 'Infinity'$/],
  ['backtest: negative bars', ['backtest', '--bars', '-5'], /--bars|bars/],
  ['backtest: absurd bars', ['backtest', '--bars', '1e12'], /bars/],
  ['backtest: truncated config', ['backtest', '--config', f('truncated.yaml')], /--config/],
  ['backtest: config not a mapping', ['backtest', '--config', f('not-a-mapping.yaml')], /--config/],
  ['backtest: NaN in config', ['backtest', '--config', f('nan.yaml')], /gamma/],
  ['backtest --events: empty file', ['backtest', '--events', f('empty.arrow')], /empty\.arrow/],
  ['backtest --events: truncated file', ['backtest', '--events', f('truncated.arrow')], /truncated/],
  ['backtest --events: NaN price', ['backtest', '--events', f('nan-price.arrow')], /row 201: price NaN is not a finite positive number/],
  ['backtest --events: negative size', ['backtest', '--events', f('negative-size.arrow')], /row 202: size -3 is not a finite number/],
  ['backtest --events: infinite price', ['backtest', '--events', f('inf-price.arrow')], /row 203: price Infinity/],
  ['backtest --events: zero price', ['backtest', '--events', f('zero-price.arrow')], /row 204: price 0/],
  ['backtest --events: time going back', ['backtest', '--events', f('time-back.arrow')], /row 205: local time goes back 3600\.\d+ s/],
  ['backtest --events: unknown type', ['backtest', '--events', f('bad-type.arrow')], /row 206: type 9/],
  ['backtest --events: klines as a latency file', ['backtest', '--events', f('good.arrow'), '--order-latency-file', f('nan-close.csv')], /--order-latency-file: .* line \d+: expected ts_ms,entry_ms\[,response_ms\]/],
  ['backtest: a runtime pipeline whose agents carry the trading parameters', ['backtest', '--config', join(REPO_ROOT, 'config', 'examples', 'two-pipelines.yaml')], /its trading parameters are in agents: .* run it with `marketmakerl run --config/],
  ['realtime: a runtime pipeline whose agents carry the trading parameters', ['realtime', '--config', join(REPO_ROOT, 'config', 'examples', 'two-pipelines.yaml')], /its trading parameters are in agents:/],
  ['run: missing config', ['run', '--config', f('missing.yaml')], /--config|config/],
  ['run: truncated config', ['run', '--config', f('truncated.yaml')], /config/],
  ['run: empty config', ['run', '--config', f('empty.yaml')], /^error: --config: .*empty\.yaml holds no settings \(it is empty or only comments\); give its settings, or \{\} for every default$/],
  ...EMPTY_CONFIG_CASES,
  ['run: zero workers', ['run', '--max-workers', '0'], /--max-workers/],
  ['run: fractional workers', ['run', '--config', join(REPO_ROOT, 'config', 'config.yaml'), '--max-workers', '2.5'], /--max-workers/],
  ['train-rl: negative episodes', ['train-rl', '--simulate', '--episodes', '-1'], /episodes/],
  ['train-rl: NaN close', ['train-rl', '--data', f('nan-close.csv')], /line|row|close/],
  ['evaluate-rl: missing policy', ['evaluate-rl', '--policy', f('missing.json'), '--simulate'], /--policy/],
  ['evaluate-rl: truncated policy', ['evaluate-rl', '--policy', f('truncated.json'), '--simulate'], /--policy/],
  ['evaluate-rl: empty policy', ['evaluate-rl', '--policy', f('empty.json'), '--simulate'], /--policy/],
  ['convert: empty gz', ['convert', f('empty.gz'), '--out', 'x.arrow'], /no market events in .*empty\.gz/],
  ['convert: truncated gz', ['convert', f('truncated.gz'), '--out', 'x.arrow'], /truncated\.gz/],
  ['convert: garbage text', ['convert', f('garbage.txt'), '--out', 'x.arrow'], /garbage\.txt/],
  ['convert: negative trade price', ['convert', f('negative-trade.txt'), '--out', 'x.arrow'], /price -61837\.63 is not a finite positive number/],
  ['convert: NaN trade size', ['convert', f('nan-trade.txt'), '--out', 'x.arrow'], /nan-trade\.txt:\d+: malformed or truncated capture line/],
  ['convert: missing file', ['convert', f('missing.gz'), '--out', 'x.arrow'], /missing\.gz/],
  ['analyze: zero days', ['analyze', '--data', KLINES_5M, '--days', '0'], /--days/],
  ['analyze: absurd days', ['analyze', '--data', KLINES_5M, '--days', '1e9'], /--days/],
  ['analyze: negative combinations', ['analyze', '--data', KLINES_5M, '--max-combinations', '-1'], /--max-combinations/],
  ['analyze: empty kline file', ['analyze', '--data', f('empty.csv')], /empty\.csv/],
  ['analyze: NaN close', ['analyze', '--data', f('nan-close.csv')], /line|row|close/],
  ['analyze --events: NaN price', ['analyze', '--events', f('nan-price.arrow')], /row 201: price NaN/],
  ['analyze: truncated config', ['analyze', '--data', KLINES_5M, '--config', f('truncated.yaml')], /--config/],
  ['worker: not a queue URL', ['worker', '--queue', 'not a url'], /--queue/],
  ['worker: zero concurrency', ['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0'], /--concurrency/],
  ['report: missing run folder', ['report', f('missing-run')], /missing-run/],
  ['report: truncated run folder', ['report', f('run-truncated')], /run-truncated/],
  ['compare: missing run folders', ['compare', f('missing-a'), f('missing-b')], /missing-a/],
  ['compare: truncated run folders', ['compare', f('run-truncated'), f('run-truncated')], /run-truncated/],
  ['fetch: zero klines', ['fetch', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--kline-limit', '0'], /--kline-limit/],
  ['fetch: absurd klines', ['fetch', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--kline-limit', '1e9'], /--kline-limit/],
  ['fetch: unknown exchange', ['fetch', '--exchange', 'no-such-exchange', '--symbol', 'BTC/USDT'], /--exchange/],
  ['history: negative days', ['history', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '5m', '--days', '-1'], /--days/],
  ['history: absurd days', ['history', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '5m', '--days', '1e9'], /--days/],
  ['history: garbage timeframe', ['history', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '7q', '--days', '1'], /--timeframe: expected a timeframe/],
  ['history: garbage end', ['history', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '5m', '--days', '1', '--end', 'yesterday-ish'], /--end/],
  ['realtime: zero poll', ['realtime', '--poll-seconds', '0'], /--poll-seconds/],
  ['realtime: negative iterations', ['realtime', '--iterations', '-3'], /--iterations/],
  ['realtime: negative speed', ['realtime', '--replay', f('negative-trade.txt'), '--speed', '-1'], /--speed/],
  ['realtime: empty capture', ['realtime', '--replay', f('empty.gz')], /--replay|empty\.gz|no market events/],
  ['realtime: negative trade in capture', ['realtime', '--replay', f('negative-trade.txt'), '--ledger', 'l.sqlite'], /price -61837\.63 is not a finite positive number/],
  ['realtime: a folder as ledger', ['realtime', '--replay', join(CAPTURE_DIR, 'btcusdt_20240808.gz'), '--ledger', f('a-folder')], /--ledger/],
  ['realtime: not a ledger', ['realtime', '--replay', join(CAPTURE_DIR, 'btcusdt_20240808.gz'), '--ledger', f('not-sqlite.sqlite')], /--ledger/],
  ['realtime: truncated config', ['realtime', '--config', f('truncated.yaml')], /--config/],
  ['realtime: unknown mode', ['realtime', '--mode', 'yolo'], /--mode/],
  ['realtime: unknown feed', ['realtime', '--feed', 'xyz'], /--feed: expected ws or rest/],
  ['halt: garbage URL', ['halt', '--url', 'not a url'], /--url/],
  ['halt: URL without token', ['halt', '--url', 'http://127.0.0.1:9', '--halt-file', join('nowhere', 'HALT')], /--url: the dashboard needs its token/],
  ['dashboard: port out of range', ['dashboard', '--port', '70000'], /--port/],
  ['dashboard: missing ledger', ['dashboard', '--ledger', f('missing.sqlite'), '--port', '0'], /--ledger/],
  ['dashboard: a file as the runs folder', ['dashboard', '--runs', f('empty.csv'), '--port', '0'], /--runs: .* is not a folder/],
  ['dashboard: not a ledger', ['dashboard', '--ledger', f('not-sqlite.sqlite'), '--port', '0'], /--ledger: .* is not a marketmakerl ledger/],
  ['record: zero minutes', ['record', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--out', 'rec', '--minutes', '0'], /--minutes/],
  ['record: negative rotation', ['record', '--exchange', 'binance', '--symbol', 'BTC/USDT', '--out', 'rec', '--rotate-minutes', '-1'], /--rotate-minutes/],
  ['study: NaN price events', ['study', '--events', f('nan-price.arrow')], /row 201: price NaN/],
  ['study: empty kline file', ['study', '--data', f('empty.csv')], /empty\.csv/],
  ['study: too few bars', ['study', '--simulate', '--bars', '5'], /--bars/],
  ['simulate as2008: NaN gamma', ['simulate', 'as2008', '--gamma', 'NaN'], /--gamma/],
  ['simulate as2008: zero paths', ['simulate', 'as2008', '--gamma', '0.1', '--paths', '0'], /--paths/],
  ['simulate as2008: absurd paths', ['simulate', 'as2008', '--gamma', '0.1', '--paths', '1e12'], /--paths/],
  ['verify-fills: missing run folder', ['verify-fills', f('missing-run'), '--capture', f('good.arrow')], /missing-run/],
  ['verify-fills: NaN capture', ['verify-fills', f('run-truncated'), '--capture', f('nan-price.arrow')], /run-truncated|row 201/],
  ['backtest: a typo in the config', ['backtest', '--config', f('typo.yaml')], /gama.*did you mean.*gamma/],
  ...MODE_FLAG_CASES,
];

/** Every file under a folder, with size and mtime. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) {
        out.push(`${relative(base, p)}/`);
        walk(p);
      } else out.push(`${relative(base, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

/** Run one case in its own home and working folder (what it writes can only be its own). */
function runCli(i: number, args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; dir: string; before: string[] }> {
  const dir = join(base, 'cases', String(i));
  const caseHome = join(dir, 'home');
  const cwd = join(caseHome, 'work');
  mkdirSync(cwd, { recursive: true });
  const before = snapshot(dir);
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: caseHome, PAPER_ONLY: '1', MARKETMAKERL_EXCHANGE_URL: 'http://127.0.0.1:9' };
    delete env['EXCHANGE_API_KEY'];
    delete env['EXCHANGE_API_SECRET'];
    delete env['MARKETMAKERL_DEBUG'];
    const child = spawn(CLI, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, dir, before });
    });
  });
}

before(() => {
  const b = spawnSync('make', ['-s', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  fixtures();
  writeFileSync(f('typo.yaml'), 'gama: 0.1\n');
  writeFileSync(f('klines.yaml'), `data:\n  path: ${JSON.stringify(KLINES_5M)}\n  events: ${JSON.stringify(f('good.arrow'))}\n`);
  writeFileSync(f('history.yaml'), 'data:\n  exchange: binance\n  symbol: BTC/USDT\n');
  writeFileSync(f('strategy.yaml'), `quoting:\n  strategy: ${JSON.stringify(LADDER)}\n`);
  writeFileSync(f('space-as-glft.yaml'), 'analysis:\n  space:\n    model: [as, glft]\n');
});

test(`bad input to every command (${CASES.length} cases): exit 2, one line naming the input, no stack trace, nothing written`, { timeout: 600_000 }, async (t) => {
  const results = new Map<string, Awaited<ReturnType<typeof runCli>>>();
  let next = 0;
  const inputs = snapshot(inp);
  // Four at a time, each in its own folder.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < CASES.length) {
        const i = next++;
        const [name, args] = CASES[i]!;
        results.set(name, await runCli(i, args));
      }
    }),
  );
  for (const [name, args, expected, opts] of CASES) {
    const r = results.get(name)!;
    await t.test(name, opts?.todo !== undefined ? { todo: opts.todo } : {}, () => {
      const lines = r.stderr.trim().split('\n');
      assert.equal(r.code, 2, `${args.join(' ')}\nexit ${r.code}\n${r.stderr}`);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, /^error: /);
      assert.match(lines[0]!, expected);
      assert.doesNotMatch(r.stderr, /internal error|\bat .*\(.*:\d+:\d+\)|^\s+at /m, 'no stack trace');
      assert.equal(r.stdout, '', 'nothing on stdout');
      assert.deepEqual(snapshot(r.dir), r.before, 'nothing written in its home or working folder');
    });
  }
  assert.deepEqual(snapshot(inp), inputs, 'no input was changed');
});
