// The operations commands (one per operational make target), registered on the CLI; each ends with one JSON line and an honest exit code.
import type { Command } from 'commander';
import { num } from './flag-values.js';

export function registerOpsCommands(program: Command): void {
  program
    .command('consistency-check')
    .description('every `make …` and `marketmakerl …` line of README.md and docs/ names an existing target or command with valid flags; exit 1 otherwise')
    .option('--docs <files...>', 'Markdown files to check (default README.md and docs/*.md)')
    .option('--makefile <file>', 'Makefile to check against (default the repository\'s)')
    .action(async (opts) => (await import('./commands/consistency-check.js')).consistencyCheckCommand(opts, program));

  program
    .command('data-freshness')
    .description('each cached market: last closed bar vs now and missing ranges; each capture: age and silences; exit 1 past the limits or when there is nothing to check')
    .option('--cache-dir <dir>', 'kline history cache (default data/history)')
    .option('--recordings <dir>', 'folder of recorded event files (default data/recordings)')
    .option('--data <files...>', 'kline CSV files to check as well')
    .option('--events <files...>', 'event files or raw captures to check as well')
    .option('--max-age <d>', 'oldest acceptable last bar or event (90s, 30m, 6h, 2d)', '6h')
    .option('--max-missing-bars <n>', 'missing bars allowed per market (bars the exchange confirmed absent do not count)', num('--max-missing-bars'), 0)
    .option('--max-capture-gap <d>', 'longest acceptable silence inside a capture', '5s')
    .option('--now <iso>', 'judge against this time instead of the clock (e.g. the end of an archive)')
    .action(async (opts) => (await import('./commands/data-freshness.js')).dataFreshnessCommand(opts));

  program
    .command('campaign')
    .description('the runtime pipeline N times with different seeds, then the first seed again: the PnL spread across seeds; exit 1 when a run fails or a repeated seed differs by one byte')
    .requiredOption('--n <n>', 'seeds to run (1-100): --seed, --seed+1, …', num('--n'))
    .option('--config <file>', 'runtime config', 'config/config.yaml')
    .option('--mode <mode>', 'backtest | paper (default: the config mode)')
    .option('--seed <n>', 'first seed (default 7)', num('--seed'))
    .option('--max-workers <n>', 'worker threads per run', num('--max-workers'))
    .option('--baseline <path>', "an earlier campaign (its folder or its campaign.json): every seed in both must give the same results")
    .option('--out <dir>', 'campaign folder: every run\'s files and campaign.json (default <artifacts_dir>/campaigns/<campaign_id>); new, or with --force an earlier campaign folder holding only its own files')
    .option('--force', 'replace an earlier campaign folder (only one holding nothing but the files marketmakerl wrote there)')
    .action(async (opts) => (await import('./commands/campaign.js')).campaignCommand(opts));

  program
    .command('risk-calibration')
    .description('the configured risk limits against stress scenarios (crash, gap, volatility burst, frozen feed; simulated and from the shared data): which limit triggers when; exit 1 when a loss goes beyond a limit')
    .option('--config <file>', 'the one config file: its capital, quoting and risk sections (default: the defaults)')
    .option('--seed <n>', 'seed of the simulated scenarios (default: the config seed)', num('--seed'))
    .option('--shared-data <dir>', 'folder of the shared Binance data (default ../shared/data beside the repository)')
    .option('--scenarios <names...>', 'only these scenarios')
    .option('--out <file>', 'also write the results as JSON (never replaced)')
    .action(async (opts) => (await import('./commands/risk-calibration.js')).riskCalibrationCommand(opts));

  program
    .command('weekly-report')
    .description('the paper and live runs of the last N days (ledgers) and the backtest run folders: PnL, fills, uptime, reconnects, risk events, halts; JSON and HTML; exit 1 when there is nothing to report or a ledger is unsound')
    .option('--days <n>', 'days back from now', num('--days'), 7)
    .option('--ledgers <dir>', 'folder of the SQLite ledgers (one level down included)', 'artifacts')
    .option('--runs <dir>', 'folder of backtest run folders', 'artifacts/runs')
    .option('--out <dir>', 'report folder (default artifacts/weekly/weekly_<UTC stamp>)')
    .option('--now <iso>', 'end of the period (default now)')
    .option('--gap-seconds <s>', 'quote rows further apart than this count as downtime', num('--gap-seconds'), 10)
    .action(async (opts) => (await import('./commands/weekly-report.js')).weeklyReportCommand(opts));

  program
    .command('status-page')
    .description('one self-contained page of the newest runtime run, campaign, analysis, study, paper/live sessions and weekly report under artifacts/, with headline figures and go / no-go; exit 1 on a no-go or when nothing was found')
    .option('--artifacts <dir>', 'artifacts folder', 'artifacts')
    .option('--out <file>', 'page to write (default <artifacts>/status/index.html; only a status page of ours is replaced)')
    .option('--serve', 'then serve it with the dashboard server on 127.0.0.1 until stopped: the page at /status/ (rebuilt at each load) and the files it links to, behind the dashboard token (the address printed carries it)')
    .option('--open', 'print where to open the page (the served address when a dashboard serves it on --port, else the file); no browser is started')
    .option('--port <p>', 'with --serve or --open: port (default 8788; 0 with --serve: any free port)', num('--port'))
    .action(async (opts) => (await import('./commands/status-page.js')).statusPageCommand(opts));

  program
    .command('experiments')
    .description('analysis presets: analyze over walk-forward schemes, budgets or seeds, then a robustness table; exit 1 when a variant fails or the conclusion changes with the variant')
    .requiredOption('--preset <name>', 'walk-forward | research-budgets | quant-experiments')
    .option('--data <file>', 'kline CSV (as analyze --data)')
    .option('--config <file>', 'the one config file (as analyze --config)')
    .option('--days <n>', 'analyse the last N days', num('--days'), 14)
    .option('--max-combinations <n>', 'combinations per variant', num('--max-combinations'), 12)
    .option('--out <dir>', 'folder of the variants and experiments.json (default artifacts/experiments/<preset>_<stamp>)')
    .action(async (opts) => (await import('./commands/experiments.js')).experimentsCommand(opts));

  program
    .command('daily-smoke')
    .description('fetch, one day of history, a one-day backtest and a short paper session against the exchange (or --exchange-url), each step timed; exit 1 at the first failure')
    .requiredOption('--exchange <id>', 'ccxt exchange id, e.g. binance')
    .requiredOption('--symbol <sym>', 'market, e.g. BTC/USDT')
    .option('--timeframe <tf>', 'kline timeframe', '1m')
    .option('--exchange-url <url>', 'REST and websocket base URL (a proxy or a local fake)')
    .option('--end <iso>', 'end of the history and backtest day (default now; an archive-backed venue needs its own end)')
    .option('--config <file>', 'the one config file for the backtest and the paper session')
    .option('--iterations <n>', 'paper iterations', num('--iterations'), 5)
    .option('--poll-seconds <s>', 'length of one paper iteration', num('--poll-seconds'), 1)
    .option('--out <dir>', 'new folder for every step\'s files (default artifacts/smoke/smoke_<stamp>)')
    .action(async (opts) => (await import('./commands/daily-smoke.js')).dailySmokeCommand(opts));

  program
    .command('mvp-launch')
    .description('consistency-check → campaign → analyze → walk-forward → a paper session on a recording, stopping at the first failure; exit 1 when a step fails')
    .option('--config <file>', 'runtime config of the campaign', 'config/config.yaml')
    .option('--data <file>', 'kline CSV of the analysis and the walk-forward', '../shared/data/binance-spot-btcusdt-5m-klines/BTCUSDT-5m-2024-08.csv')
    .option('--events <files...>', 'recording the paper session replays on its own clock', ['../shared/data/binance-l2-trades-hftbacktest-20240808/spot/btcusdt_20240808.gz'])
    .option('--paper-config <file>', 'the one config file of the paper session')
    .option('--analysis-config <file>', 'the one config file of the analysis and the walk-forward (its analysis: section: sampling, walk-forward, readiness rules)')
    .option('--out <dir>', 'new folder for every step\'s files (default artifacts/launch/mvp_<stamp>)')
    .option('--seeds <n>', 'campaign seeds (then the first again)', num('--seeds'), 2)
    .option('--days <n>', 'days of the analysis and the walk-forward (its 4/2 scheme needs 6)', num('--days'), 7)
    .option('--max-combinations <n>', 'combinations of the analysis', num('--max-combinations'), 8)
    .option('--wf-combinations <n>', 'combinations per walk-forward scheme (default half of --max-combinations)', num('--wf-combinations'))
    .action(async (opts) => (await import('./commands/mvp-launch.js')).mvpLaunchCommand(opts));

  program
    .command('compose-config')
    .description('the server compose file checked offline (services, build context, Dockerfile, entrypoint, no inline secret), then by `docker compose config` when Docker has compose (a clear skip otherwise); exit 1 on a problem')
    .option('--file <file>', 'compose file', 'docker-compose.server.yml')
    .option('--docker <cmd>', 'docker executable', 'docker')
    .action(async (opts) => (await import('./commands/docker-checks.js')).composeConfigCommand(opts));

  program
    .command('image')
    .description('build the server image with `docker build` after checking offline that the Dockerfile builds from a fresh clone (every COPY source committed, in the context, not ignored); exit 1 on a Dockerfile problem or a failed build, exit 4 (SKIPPED, nothing built) when Docker or its daemon is missing')
    .option('--tag <tag>', 'image tag', 'marketmakerl:latest')
    .option('--context <dir>', 'build context holding the Dockerfile', '.')
    .option('--docker <cmd>', 'docker executable', 'docker')
    .action(async (opts) => (await import('./commands/docker-checks.js')).imageCommand(opts));
}
