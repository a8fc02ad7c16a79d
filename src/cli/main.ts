#!/usr/bin/env node
// The marketmakerl CLI: parses flags and hands over to a command module, loaded only when it runs.
import { Command, CommanderError, Option } from 'commander';
import { FlagValueError, num, param } from './flag-values.js';
import { exitWithError } from './errors.js';
import { scrubSecrets } from '../core/secrets.js';
import { registerOpsCommands } from './ops-program.js';

const program = new Command();
program
  .name('marketmakerl')
  .description('Market-making research and trading: honest backtests, quoting models, paper and live trading.')
  .version('0.1.0')
  .showHelpAfterError(false)
  .exitOverride()
  // Help goes to stdout; errors keep commander's whole message, so "(Did you mean --gamma?)" reaches the user,
  // scrubbed like every other error: commander quotes the argument it refused, which may be a key.
  .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(scrubSecrets(s)) })
  .addHelpText('after', `
Every command has its own help: marketmakerl help <command> (or <command> --help).
Results: the research commands print a short table on a terminal and one JSON line in a pipe or with --json;
bad input is one line on stderr and exit code 2.`);

const STRATEGY_HELP = 'a strategy module of your own (.ts or .js exporting defineStrategy(...); quoting.strategy), instead of --model';
const PARAM_HELP = "a value of the strategy module's declared parameter (quoting.params), repeatable";

program
  .command('backtest')
  .description('backtest a quoting model on bars (klines file, exchange history or simulated data) and write a run folder')
  .option('--data <file>', 'kline CSV (Binance 12-column dump, or headed timestamp,open,high,low,close,volume); default: simulated')
  .option('--json', 'print the result as one JSON line even on a terminal (it always is in a pipe)')
  .option('--exchange <id>', 'ccxt exchange id: klines from the history cache, fetching what it lacks (instead of --data)')
  .option('--symbol <sym>', 'with --exchange: market, e.g. BTC/USDT')
  .option('--timeframe <tf>', 'with --exchange: bar interval, e.g. 1m (default 1m)')
  .option('--days <n>', 'with --exchange: the last N days before --end (default 30)', num('--days'))
  .option('--end <iso>', 'with --exchange: end of the span, e.g. 2024-12-29T00:00:00Z (default now)')
  .option('--cache-dir <dir>', 'with --exchange: kline history cache folder (default data/history)')
  .option('--exchange-url <url>', 'with --exchange: REST base URL (proxy, local fake); env MARKETMAKERL_EXCHANGE_URL')
  .option('--model <name>', 'quoting model: as | glft | rl (default as)')
  .option('--policy <file>', 'policy.json of a trained RL policy (with --model rl; see train-rl)')
  .option('--strategy <file>', STRATEGY_HELP)
  .option('--param <name=value>', PARAM_HELP, param)
  .option('--seed <n>', 'seed of simulated data and of every random draw (default 7)', num('--seed'))
  .option('--out <dir>', 'run folder (default artifacts/runs/<run_id>)')
  .option('--force', 'replace an earlier run folder of ours at --out (never a folder marketmakerl did not write)')
  .option('--run-id <id>', 'run id: a letter or digit, then letters, digits, . _ - (default run_<UTC stamp>_<config hash>)')
  .option('--config <file>', 'the one config file (YAML or JSON; see config/examples/); flags override it')
  .option('--gamma <x>', 'risk aversion γ per (price unit × order size)', num('--gamma'))
  .option('--k <x>', 'order-arrival decay k per price unit (fallback when not calibrated)', num('--k'))
  .option('--A <x>', 'order-arrival intensity A per second (GLFT fallback)', num('--A'))
  .option('--no-calibrate', 'use --k/--A as given instead of estimating them from the data')
  .addOption(new Option('--horizon <mode>', 'AS horizon: finite | rolling | infinite'))
  .option('--horizon-seconds <s>', 'finite: session length; rolling: look-ahead', num('--horizon-seconds'))
  .option('--capital <x>', 'initial capital, quote currency', num('--capital'))
  .option('--order-qty <x>', 'quote size, base units', num('--order-qty'))
  .option('--max-inventory <x>', 'max |position|, base units', num('--max-inventory'))
  .option('--min-spread-ticks <n>', 'minimum quoted spread, ticks', num('--min-spread-ticks'))
  .option('--requote-ticks <n>', 'keep a resting quote within this many ticks of the target', num('--requote-ticks'))
  .option('--maker-fee-bps <x>', 'maker fee in bps (negative = rebate)', num('--maker-fee-bps'))
  .option('--touch-fill-prob <p>', 'probability that a touch (low = bid, high = ask) fills', num('--touch-fill-prob'))
  .option('--tick-size <x>', 'price tick', num('--tick-size'))
  .option('--bars <n>', 'simulated bars', num('--bars'))
  .option('--vol-estimator <name>', 'rolling | ewma')
  .option('--events <files...>', 'tick (L2) backtest on an event file (Arrow from convert or record) or a raw capture, instead of bars; several markets (markets: in --config): one file per market, in their order')
  .option('--engine <name>', 'bar | tick (default: --events or --data, else klines in the config when it names them, else its event file)')
  .option('--queue <model>', 'tick: queue position model: risk-averse | power:N | log (default risk-averse)')
  .option('--feed-latency-ms <x>', "tick: local time = publication time (Binance E) + this (default: the file's local times when causal, else 5 ms)", num('--feed-latency-ms'))
  .option('--order-latency-ms <x>', 'tick: order entry and response latency, ms (default 20 each: sim.entry_latency_ms, sim.response_latency_ms)', num('--order-latency-ms'))
  .option('--order-latency-file <file>', 'tick: latency series CSV ts_ms,entry_ms,response_ms')
  .option('--taker-fee-bps <x>', 'tick: taker fee in bps', num('--taker-fee-bps'))
  .option('--partial-fills', 'tick: fill only the traded quantity that reaches the order (the default)')
  .option('--whole-fills', 'tick: opt-in, an order reached by a trade fills whole whatever the trade\'s size (creates volume; verify-fills flags it)')
  .option('--no-post-only', 'tick: a crossing order takes the book as taker instead of being rejected')
  .option('--decision-interval-ms <x>', 'tick: the strategy decides every this many ms of market time (default 100)', num('--decision-interval-ms'))
  .option('--sample-interval-ms <x>', 'tick: trace row every this many ms (default 1000)', num('--sample-interval-ms'))
  .addOption(new Option('--hedge-mode <mode>', 'with hedge: in --config: taker | passive (hedge.mode)'))
  .action(async (opts) => (await import('./commands/backtest.js')).backtestCommand(opts));

program
  .command('run')
  .description('run the multi-agent runtime (data → ml → execution → risk) described by a config.yaml')
  .option('--config <file>', 'runtime config (YAML)', 'config/config.yaml')
  .option('--mode <mode>', 'backtest | paper | live (default: the config mode)')
  .option('--max-workers <n>', 'worker threads at most (default: available cores)', num('--max-workers'))
  .option('--run-id <id>', 'run id (default run_<UTC YYYYMMDDTHHMMSSZ>)')
  .option('--seed <n>', 'run seed (default: the config seed)', num('--seed'))
  .option('--fail-on-breach', 'exit 4 when a risk agent reports a breach (for pipelines that must stop there)')
  .action(async (opts) => (await import('./commands/run.js')).runCommand(opts));

program
  .command('train-rl')
  .description('train an RL policy that tunes AS / GLFT (cross-entropy method); writes policy.json, training.csv, learning-curve.png')
  .option('--data <file>', 'kline CSV to train on (its last 30% is held out); default: a simulated market')
  .option('--simulate', 'train on a simulated market with trending and volatile regimes')
  .option('--episodes <n>', 'training episodes in total', num('--episodes'))
  .option('--seed <n>', 'seed of data, windows and policy search', num('--seed'))
  .option('--workers <n>', 'rollout worker threads (results do not depend on it)', num('--workers'), 2)
  .option('--out <dir>', 'output folder (default artifacts/rl/train_<UTC stamp>)')
  .option('--force', 'replace an earlier training folder of ours at --out')
  .option('--config <file>', 'YAML or JSON training config (flags override it)')
  .option('--model <name>', 'wrapped model: as | glft')
  .option('--gamma <x>', 'base γ of the wrapped model (default: tuned on the training period)', num('--gamma'))
  .option('--policy-kind <kind>', 'linear | mlp')
  .option('--episode-bars <n>', 'bars per episode', num('--episode-bars'))
  .option('--inventory-penalty <x>', 'η of the running inventory penalty', num('--inventory-penalty'))
  .option('--quiet', 'no progress lines on stderr')
  .action(async (opts) => (await import('./commands/train-rl.js')).trainRlCommand(opts));

program
  .command('evaluate-rl')
  .description('compare an RL policy with AS and GLFT (γ tuned on the training period) on held-out data')
  .requiredOption('--policy <file>', 'policy.json from train-rl')
  .option('--data <file>', 'kline CSV; only bars after the policy\'s training period are used')
  .option('--simulate', 'the held-out part of the simulated market the policy was trained on')
  .option('--train-data <file>', 'kline CSV of the training period (default: the file the policy names)')
  .option('--out <file>', 'JSON table (default: evaluation.json beside the policy)')
  .option('--force', 'replace an existing --out file')
  .option('--markdown', 'print the table as Markdown')
  .action(async (opts) => (await import('./commands/evaluate-rl.js')).evaluateRlCommand(opts));

program
  .command('convert')
  .description('convert raw Binance websocket captures (<local_ns> <json> lines, gzip or text) to a normalized Arrow event file')
  .argument('<files...>', 'capture files, in time order')
  .requiredOption('--out <file>', 'Arrow IPC file to write (atomically)')
  .option('--force', 'replace an existing --out file')
  .option('--symbol <sym>', 'keep only this symbol (e.g. BTCUSDT) when a capture holds several')
  .action(async (files: string[], opts) => (await import('./commands/convert.js')).convertCommand(files, opts));

program
  .command('analyze')
  .description('last-month analysis: parameter sweep, walk-forward, out-of-sample readiness gate, artifacts and report.html')
  .option('--data <file>', 'kline CSV (Binance 12-column dump or headed); offline')
  .option('--json', 'print the result as one JSON line even on a terminal (it always is in a pipe)')
  .option('--events <file>', 'normalized event file (Arrow IPC, from convert): each case is a tick backtest (implies --engine tick)')
  .option('--exchange <id>', 'exchange id (klines from the history cache)')
  .option('--symbol <sym>', 'market symbol, e.g. BTC/USDT')
  .option('--timeframe <tf>', 'bar interval, e.g. 5m (checked against --data)')
  .option('--days <n>', 'analyse the last N days (1-365)', num('--days'))
  .option('--max-combinations <n>', 'evaluate at most N parameter combinations', num('--max-combinations'))
  .option('--sampling <method>', 'auto | grid | lhs | random (auto: grid when it fits, else Latin hypercube)')
  .option('--budgets <list>', 'capital levels, comma-separated (first = primary), e.g. 2500,5000,10000')
  .option('--workers <n>', 'evaluation threads (results do not depend on it; default: by job size)', num('--workers'))
  .option('--engine <name>', 'bar (klines, default) | tick (an event file, --events)')
  .option('--policy <file>', 'policy.json of a trained RL policy: adds model rl to the parameter space')
  .option('--strategy <file>', "a strategy module of your own: the sweep runs it, over its declared parameters' sweep levels")
  .option('--param <name=value>', PARAM_HELP, param)
  .option('--end <iso>', 'with --exchange: end of the analysed span (default now)')
  .option('--exchange-url <url>', 'with --exchange: REST base URL (a local or fake exchange)')
  .option('--cache-dir <dir>', 'with --exchange: kline history cache folder (default data/history)')
  .option('--objective <name>', 'what a train window maximises: sharpe | pnl')
  .option('--train-days <x>', 'train window length, days', num('--train-days'))
  .option('--test-days <x>', 'test window length, days', num('--test-days'))
  .option('--train-minutes <x>', 'tick engine: train window length, minutes (default 3)', num('--train-minutes'))
  .option('--test-minutes <x>', 'tick engine: test window length, minutes (default 1)', num('--test-minutes'))
  .option('--maker-fee-bps <x>', 'maker fee, bps (default 10)', num('--maker-fee-bps'))
  .option('--seed <n>', 'seed of sampling and of every random draw', num('--seed'))
  .option('--config <file>', 'the one config file: its trading sections are the base of every case, `analysis:` holds readiness, space and windows; flags override it')
  .option('--out <dir>', 'artifact folder (default artifacts/last_month_analysis)')
  .option('--queue <url>', 'redis://HOST:PORT: run the cases on a BullMQ queue served by `marketmakerl worker`')
  .option('--no-shared-pass', 'run every case on its own walk of the data (bars or events; same results, slower)')
  .option('--shard <i/n>', 'evaluate shard I of N (0-based) of the cases and write them as Arrow into --out; no report')
  .option('--merge <dirs...>', 'build the analysis from the shard files in these folders (same data flags and config as the shards)')
  .option('--fresh-trials <reason>', 'start a new trial count on this data (the deflated Sharpe and PBO stop counting earlier runs); the reason is reported')
  .option('--quiet', 'no progress output')
  .action(async (opts) => (await import('./commands/analyze.js')).analyzeCommand(opts));

program
  .command('worker')
  .description('process analysis cases from a Redis queue (BullMQ) until stopped (SIGTERM/SIGINT)')
  .requiredOption('--queue <url>', 'redis://HOST:PORT')
  .option('--concurrency <n>', 'jobs at a time in this process', num('--concurrency'))
  .option('--stall-seconds <s>', "a job's lock lasts this long unrenewed; a job whose worker died is taken again after about twice this (default 30)", num('--stall-seconds'))
  .action(async (opts) => (await import('./commands/worker.js')).workerCommand(opts));

program
  .command('report')
  .description('render a backtest run to report.html (self-contained, opens offline): a run folder, or the runtime\'s output')
  .argument('<run>', "run folder (config.json, metrics.json, trace.csv, fills.csv), the runtime's <run_id>_summary.json (every execution agent) or one agent's <run_id>_<agent>_metrics.json")
  .option('--out <file>', 'HTML file to write (default RUN_DIR/report.html, or <run_id>_<agent>_report.html beside the runtime\'s files)')
  .option('--force', 'replace an existing --out file')
  .action(async (dir: string, opts) => (await import('./commands/report.js')).reportCommand(dir, opts));

program
  .command('compare')
  .description('two backtest run folders over the same samples: figures side by side, config differences, and a paired test of B against A')
  .argument('<run_a>', 'run folder A (config.json, metrics.json, trace.csv)')
  .argument('<run_b>', 'run folder B, over the same samples')
  .option('--out <file>', 'also write the comparison as JSON to this file')
  .option('--json', 'print the result as one JSON line even on a terminal (it always is in a pipe)')
  .option('--html <file>', 'also write a page with both cumulative returns and their difference')
  .option('--force', 'replace existing --out / --html files')
  .action(async (a: string, b: string, opts) => (await import('./commands/compare.js')).compareCommand(a, b, opts));

program
  .command('fetch')
  .description('fetch recent klines, the order book and recent trades of a market through ccxt into CSV files')
  .requiredOption('--exchange <id>', 'ccxt exchange id, e.g. binance')
  .requiredOption('--symbol <symbol>', 'market, e.g. BTC/USDT')
  .option('--timeframe <tf>', 'kline timeframe, e.g. 1m', '1m')
  .option('--kline-limit <n>', 'klines to fetch (1-1000)', num('--kline-limit'), 200)
  .option('--order-book-limit <n>', 'book levels per side', num('--order-book-limit'), 50)
  .option('--trades-limit <n>', 'recent trades (1-1000)', num('--trades-limit'), 200)
  .option('--output-dir <dir>', 'folder for the files', 'data/real')
  .option('--exchange-url <url>', 'send REST and websocket requests to this base URL (proxy, testnet, local fake); env MARKETMAKERL_EXCHANGE_URL')
  .option('--sandbox', "use the exchange's own testnet")
  .action(async (opts) => (await import('./commands/fetch.js')).fetchCommand(opts));

program
  .command('history')
  .description('bring the local kline cache (data/history/) up to date for the last N days: paged, resumable, gaps reported')
  .requiredOption('--exchange <id>', 'ccxt exchange id, e.g. binance')
  .requiredOption('--symbol <symbol>', 'market, e.g. BTC/USDT')
  .option('--timeframe <tf>', 'kline timeframe, e.g. 5m (required unless --funding)')
  .option('--funding', "the perpetual's funding-rate history instead of klines: <cache>/<exchange>/<symbol>/funding.csv (ts,rate), for market.funding.path")
  .requiredOption('--days <n>', 'days of history up to the end time', num('--days'))
  .option('--end <time>', 'end of the range, ISO-8601 (default: now)')
  .option('--cache-dir <dir>', 'cache folder', 'data/history')
  .option('--exchange-url <url>', 'send REST requests to this base URL (proxy, testnet, local fake); env MARKETMAKERL_EXCHANGE_URL')
  .option('--sandbox', "use the exchange's own testnet")
  .option('--quiet', 'no progress output')
  .action(async (opts) => (await import('./commands/history.js')).historyCommand(opts));

program
  .command('realtime')
  .description('paper trading on the live market (ccxt websockets, REST fallback): risk engine, SQLite ledger, JSON lines, optional live dashboard')
  .option('--exchange <id>', 'ccxt exchange id (default market.exchange, binance)')
  .option('--symbol <sym>', 'market symbol (default market.symbol, BTC/USDT)')
  .option('--symbols <list>', 'several markets in one process, comma-separated (BTC/USDT,ETH/USDT): one paper session each, one ledger, the book under portfolio:')
  .option('--timeframe <tf>', 'σ and intensity window, e.g. 1m (checked against the exchange; default: the features section)')
  .option('--iterations <n>', "iterations (decision intervals) to run, or 'forever' (default 20 unless --duration)")
  .option('--duration <d>', "run for this long (90s, 15m, 1h) or 'forever'")
  .option('--poll-seconds <s>', 'length of one iteration, seconds (and the REST polling interval)', num('--poll-seconds'))
  .option('--mode <mode>', 'paper (simulated fills against the live book and trades) | live (real orders: PAPER_ONLY=0, keys, --confirm-live)', 'paper')
  .option('--confirm-live', 'with --mode live: yes, send real orders')
  .option('--sandbox', "with --mode live: the exchange's own testnet")
  .option('--config <file>', 'the one config file (capital, quoting, risk, sim, loop, live sections); flags override it')
  .option('--exchange-url <url>', 'point ccxt REST and websocket endpoints here (a proxy, a testnet, a local fake)')
  .option('--dashboard-port <p>', 'serve the live dashboard on 127.0.0.1:P (0: any free port)', num('--dashboard-port'))
  .option('--ledger <file>', 'SQLite ledger; a restart with the same file resumes (default artifacts/realtime/ledger.sqlite)')
  .option('--halt-file <file>', 'kill-switch file polled by the loop (default artifacts/realtime/HALT)')
  .option('--replay <files...>', 'paper-trade a recording instead of the live market (offline): event files from convert or record, or raw Binance captures')
  .option('--clock <kind>', "wall (default: the replay paced by the wall clock) | event (the recording's own clock, as fast as it goes: the same fills as backtest --events)")
  .option('--speed <x>', 'wall-clock replay speed (with --replay)', num('--speed'))
  .option('--out-dir <dir>', 'folder of the JSONL file (default artifacts/realtime)')
  .option('--record <file.arrow>', 'also write the market rows the session receives to this new event file, linked from the ledger (for parity); several markets: FILE.<market>.arrow each')
  .option('--quiet', 'no JSON lines on stdout (the JSONL file is still written)')
  .option('--feed <kind>', 'ws | rest (default: websockets when ccxt has them for the exchange)')
  .option('--model <name>', 'quoting model: as | glft | rl (quoting.model)')
  .option('--policy <file>', 'policy.json of a trained RL policy (quoting.policy_path)')
  .option('--strategy <file>', STRATEGY_HELP)
  .option('--param <name=value>', PARAM_HELP, param)
  .option('--gamma <x>', 'risk aversion γ (quoting.gamma)', num('--gamma'))
  .option('--capital <x>', 'initial capital, quote currency', num('--capital'))
  .option('--order-qty <x>', 'quote size, base units (quoting.order_qty)', num('--order-qty'))
  .option('--max-inventory <x>', 'max |position|, base units (quoting.max_inventory_qty)', num('--max-inventory'))
  .option('--maker-fee-bps <x>', 'paper venue maker fee, bps (sim.maker_fee_bps)', num('--maker-fee-bps'))
  .option('--queue <model>', 'paper venue queue model (sim.queue)')
  .option('--order-latency-ms <x>', 'paper venue entry and response latency, ms', num('--order-latency-ms'))
  .option('--decision-interval-ms <x>', 'decide every this many ms of local time (loop.decision_interval_ms; 0: every feed step)', num('--decision-interval-ms'))
  // Refused with its reason (realtime draws nothing a seed could fix), so not offered in the help.
  .addOption(new Option('--seed <n>').argParser(num('--seed')).hideHelp())
  .action(async (opts) => (await import('./commands/realtime.js')).realtimeCommand(opts));

program
  .command('verify-fills')
  .description('check every fill of a tick run against the capture it replayed (independent of the simulator): maker fills against its trades, taker fills against its book at their arrival; exit 1 on any violation')
  .argument('<run_dir>', 'tick run folder (backtest --events): orders.csv and fills.csv')
  .requiredOption('--capture <files...>', 'raw Binance captures (.gz or text) or event files (.arrow) the run replayed (taker fills need the raw captures: their books)')
  .action(async (runDir: string, opts) => (await import('./commands/verify-fills.js')).verifyFillsCommand(runDir, opts));

program
  .command('calibrate-sim')
  .description("fit the simulator to a live session: entry and response latency from the ledger's times, the queue model from its fills on the captured market; prints one JSON line, writes the sim: section to --out")
  .requiredOption('--ledger <file>', 'ledger of the live session (read-only)')
  .option('--events <file>', 'event file (Arrow IPC) of the market the session saw (default: the recording the ledger links to the run, realtime --record)')
  .option('--session <run_id>', 'the run to fit (default: the latest in the ledger)')
  .option('--out <file>', 'YAML file to write: the fitted sim: section, the fit and its uncertainty in comments')
  .option('--force', 'replace an existing --out file')
  .action(async (opts) => (await import('./commands/calibrate-sim.js')).calibrateSimCommand(opts));

program
  .command('halt')
  .description('kill switch: halt a running realtime loop (halt file, or --url of its dashboard); --clear lifts it for the next start')
  .option('--halt-file <file>', 'halt file the loop polls (default artifacts/realtime/HALT)')
  .option('--url <url>', "the running loop's dashboard: the URL it printed at start (http://127.0.0.1:P/?token=...)")
  .option('--token-file <file>', "with --url: the dashboard's token file (default: dashboard-<port>.token beside --ledger or the halt file)")
  .option('--ledger <file>', 'with --url: the ledger the dashboard belongs to (its token file is beside it)')
  .option('--reason <text>', 'reason stored with the halt')
  .option('--clear', 'remove the halt file')
  .action(async (opts) => (await import('./commands/halt.js')).haltCommand(opts));

program
  .command('dashboard')
  .description('serve the dashboard for a paper ledger (live while the loop writes) and for backtest run folders')
  .option('--ledger <file>', 'SQLite ledger of a paper run')
  .option('--runs <dir>', 'folder of backtest run folders (default artifacts/runs)')
  .option('--port <p>', 'port on 127.0.0.1 (0: any free port)', num('--port'), 8787)
  .option('--halt-file <file>', 'halt file the HALT button writes (default artifacts/realtime/HALT)')
  .action(async (opts) => (await import('./commands/dashboard.js')).dashboardCommand(opts));

program
  .command('parity')
  .description("replay a paper or live session of a ledger through the tick backtest on the market it recorded, and report how far they agree (JSON and an HTML page); read-only on the ledger")
  .requiredOption('--ledger <file>', 'the SQLite ledger of the session')
  .option('--session <run_id>', 'the run to check (default: the latest run of the ledger)')
  .option('--events <file.arrow>', "the market the session received (default: the recording the ledger links to the run, realtime --record)")
  .option('--out <dir>', 'new folder for parity.json and parity.html (default artifacts/parity/parity_<UTC stamp>)')
  .option('--max-pnl-gap <x>', "exit 1 when |replay PnL − session PnL| exceeds this: quote currency (0.5) or a share of the session's PnL (10%)")
  .option('--sim-config <file>', "replay with this file's sim: section instead of the session's (calibrate-sim's output, or a deliberately different simulator)")
  .option('--tolerance-ms <ms>', 'orders and fills match when side, price and quantity agree and times differ by at most this (default 500)', num('--tolerance-ms'))
  .option('--allow-strategy-change', "replay the strategy module as it is now even when it is not the one the session ran (its recording keeps the module's sha256; refused otherwise)")
  .option('--json', 'print the result as one JSON line even on a terminal (it always is in a pipe)')
  .action(async (opts) => (await import('./commands/parity.js')).parityCommand(opts));

program
  .command('record')
  .description('record live order-book changes and trades through ccxt websockets into rotating normalized Arrow files')
  .requiredOption('--exchange <id>', 'ccxt exchange id, e.g. binance')
  .requiredOption('--symbol <symbol>', 'market, e.g. BTC/USDT')
  .option('--minutes <n>', 'stop after this many minutes (default: until SIGINT/SIGTERM)', num('--minutes'))
  .requiredOption('--out <dir>', 'folder for the event files')
  .option('--rotate-minutes <n>', 'start a new file this often', num('--rotate-minutes'), 60)
  .option('--book-limit <n>', 'order-book depth to ask for', num('--book-limit'))
  .option('--exchange-url <url>', 'send REST and websocket requests to this base URL (proxy, testnet, local fake); env MARKETMAKERL_EXCHANGE_URL')
  .option('--sandbox', "use the exchange's own testnet")
  .option('--quiet', 'no progress lines on stderr')
  .action(async (opts) => (await import('./commands/record.js')).recordCommand(opts));

program
  .command('study')
  .description("a market's profile as a market maker reads it (volatility, tails, short-horizon memory, spread, depth, flow, fill intensity), from klines (a file or an exchange's history), an event file or simulated bars")
  .option('--data <file>', 'kline CSV (any format the backtester reads)')
  .option('--json', 'print the result as one JSON line even on a terminal (it always is in a pipe)')
  .option('--exchange <id>', 'klines of this exchange from the history cache (fetching what it lacks through ccxt)')
  .option('--symbol <sym>', 'with --exchange: market, e.g. BTC/USDT')
  .option('--timeframe <tf>', 'with --exchange: bar interval (default 1m)')
  .option('--days <n>', 'with --exchange: the last N days (default 30)', num('--days'))
  .option('--end <iso>', 'with --exchange: end of the span (default now)')
  .option('--cache-dir <dir>', 'with --exchange: history cache folder (default data/history)')
  .option('--exchange-url <url>', 'with --exchange: REST base URL (a proxy or a local fake)')
  .option('--events <file>', 'normalized event file (Arrow IPC, from convert)')
  .option('--tick-size <x>', 'with --events: price tick of the market (default 0.01)', num('--tick-size'))
  .option('--simulate', 'simulated bars with known properties (GBM, optional mean reversion)')
  .option('--bars <n>', 'with --simulate: bars (default 20000)', num('--bars'))
  .option('--seed <n>', 'with --simulate: seed (default 7)', num('--seed'))
  .option('--mean-reversion <x>', 'with --simulate: pull toward the first price per bar (0 = random walk, the default)', num('--mean-reversion'))
  .option('--out <file>', 'study JSON (default artifacts/study/<source>.study.json)')
  .option('--force', 'replace an existing --out file (and its .html)')
  .action(async (opts) => (await import('./commands/study.js')).studyCommand(opts));

const simulate = program.command('simulate').description('rerun published simulation experiments');
simulate
  .command('as2008')
  .description('Monte Carlo of Avellaneda & Stoikov (2008): inventory vs symmetric strategy')
  .requiredOption('--gamma <x>', 'risk aversion γ', num('--gamma'))
  .option('--paths <n>', 'simulated paths', num('--paths'), 1000)
  .option('--seed <n>', 'seed', num('--seed'), 7)
  .action(async (opts) => (await import('./commands/simulate.js')).as2008Command(opts));

// The operations surface (campaign, data-freshness, status-page, …) lives in its own file.
registerOpsCommands(program);

async function main(): Promise<void> {
  try {
    // No command at all: the full help on stdout, as `help` prints it (commander would send it to stderr as an error).
    if (process.argv.length <= 2) {
      program.outputHelp();
      process.exit(0);
    }
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
      if (e instanceof FlagValueError) process.stderr.write(`error: ${scrubSecrets(e.message)}\n`);
      process.exit(2);
    }
    exitWithError(e);
  }
}
await main();
