# marketmakerl — every user-facing job is a target here; each installs what it needs.
SHELL := /bin/bash
NODE_STAMP := node_modules/.install-stamp
BUILD_STAMP := dist/.build-stamp
CLI := ./bin/marketmakerl
SRC := $(shell find src -name '*.ts' -not -name '*.test.ts' 2>/dev/null)

SEED ?= 7
MODE ?= backtest
MAX_WORKERS ?= 2
CONFIG ?= config/config.yaml

.PHONY: deps build test typecheck run-backtest backtest-real bench simulate-as2008 clean help run run-live live-guard validate config-schema backtest-sim train-rl

help:
	@echo "make run-backtest   the multi-agent runtime on config/config.yaml, mode backtest (installs and builds first)"
	@echo "make run            the runtime with CONFIG=.. MODE=backtest|paper|live MAX_WORKERS=.."
	@echo "make run-live       live trading through ccxt (refused unless PAPER_ONLY=0 and exchange keys are set)"
	@echo "make deploy-server SERVER=user@host [SERVER_DIR=/opt/marketmakerl]  sync, build and start realtime-strategy"
	@echo "make live-guard     proves that live mode is refused with the exact messages"
	@echo "make validate       build, run-backtest, test, live-guard"
	@echo "make realtime-paper paper trading on the live market: EXCHANGE=.. SYMBOL=.. TIMEFRAME=.. ITERATIONS=.."
	@echo "make paper-multisymbol  several symbols in one process: EXCHANGE=.. SYMBOLS=BTC/USDT,ETH/USDT ITERATIONS=.. DASHBOARD_PORT=.. (paper-multisymbol-offline: against the fake exchange, no network)"
	@echo "make real-data-fetch klines, book and trades through ccxt: EXCHANGE=.. SYMBOL=.. TIMEFRAME=.. (EXCHANGE_URL=.. for a proxy or fake)"
	@echo "make test           every test (installs first)"
	@echo "make test-online    opt-in: fetch, study, backtest and 5 paper iterations against the real exchange (ONLINE_EXCHANGE= ONLINE_SYMBOL= ONLINE_TIMEFRAME=)"
	@echo "make study          a market's profile: DATA=FILE (klines, default the shared 1m file) or EVENTS=FILE (event file)"
	@echo "make analyze-last-month  sweep + walk-forward + readiness gate: DATA=FILE or EXCHANGE= SYMBOL= TIMEFRAME= DAYS=, or EVENTS=FILE (tick engine); MAX_COMBINATIONS="
	@echo "make test-integration    cross-module tests; refreshes visualizations/*.png and the screenshots in docs/screenshots/"
	@echo "make bench          benchmarks; figures go to bench/RESULTS.md by hand"
	@echo "make clean          removes dist/, test/.cache/ and the run, campaign, parity and training folders under artifacts/ that hold only what their marker lists; a folder holding a file of yours is named and kept, and nothing else is touched (analyses, studies, the runtime's files, ledgers, logs, recordings, captures, halt files, data/)"

$(NODE_STAMP): package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

deps: $(NODE_STAMP)

$(BUILD_STAMP): $(NODE_STAMP) $(SRC) tsconfig.json tsconfig.build.json scripts/bundle-vendor.mjs
	@rm -rf dist
	@npx tsc -p tsconfig.build.json
	@node scripts/bundle-vendor.mjs
	@touch $(BUILD_STAMP)

build: $(BUILD_STAMP)

typecheck: $(NODE_STAMP)
	npx tsc -p tsconfig.json --noEmit

# The multi-agent runtime (src/runtime). SEED overrides the config's seed only when given.
RUN_SEED = $(if $(filter command line environment,$(origin SEED)),--seed $(SEED))

run-backtest: build
	$(CLI) run --config $(CONFIG) --mode backtest --max-workers $(MAX_WORKERS) $(RUN_SEED)

run: build
	$(CLI) run --config $(CONFIG) --mode $(MODE) --max-workers $(MAX_WORKERS) $(RUN_SEED)

# Live trading through ccxt (same strategy and risk engine as paper; SQLite ledger). Refused by the live guard
# unless PAPER_ONLY=0 and both exchange keys are set; then checked by the preflight before the first order.
run-live: build
	$(CLI) realtime --mode live --confirm-live --exchange $(EXCHANGE) --symbol '$(SYMBOL)' --timeframe $(TIMEFRAME) --iterations $(or $(LIVE_ITERATIONS),forever) --poll-seconds $(POLL_SECONDS) $(if $(LIVE_CONFIG),--config '$(LIVE_CONFIG)') $(if $(EXCHANGE_URL),--exchange-url '$(EXCHANGE_URL)') $(if $(DASHBOARD_PORT),--dashboard-port $(DASHBOARD_PORT))

live-guard: build
	@scripts/live-guard.sh $(CONFIG)

validate:
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory run-backtest
	@$(MAKE) --no-print-directory test
	@$(MAKE) --no-print-directory live-guard

config-schema: $(NODE_STAMP)
	@node --import tsx scripts/gen-config-schema.ts

backtest-sim: build
	$(CLI) backtest --seed $(SEED)

backtest-real: build
	$(CLI) backtest --data ../shared/data/binance-spot-btcusdt-1m-klines-2024-12/BTCUSDT_1m.csv --gamma 0.0005 --seed $(SEED)

train-rl: build
	$(CLI) train-rl --data ../shared/data/binance-spot-btcusdt-1m-klines-2024-12/BTCUSDT_1m.csv --seed $(SEED) --out artifacts/rl/btcusdt-1m
	$(CLI) evaluate-rl --policy artifacts/rl/btcusdt-1m/policy.json --data ../shared/data/binance-spot-btcusdt-1m-klines-2024-12/BTCUSDT_1m.csv --markdown

simulate-as2008: build
	@for g in 0.1 0.01 0.5; do $(CLI) simulate as2008 --gamma $$g --paths 1000 --seed $(SEED); done

# Tick (L2) backtests of AS and GLFT on the shared Binance capture at 5 and 50 ms: the README's table.
tick-results: build
	@node --import tsx scripts/tick-results.ts

# Last-month analysis: DATA=FILE reads klines offline; without it EXCHANGE/SYMBOL/TIMEFRAME/DAYS go to the history cache.
EXCHANGE ?= binance
SYMBOL ?= BTC/USDT
TIMEFRAME ?= 5m
DAYS ?= 30
MAX_COMBINATIONS ?= 64
DATA ?=
WORKERS ?=
.PHONY: analyze-last-month test-integration study test-online
# Opt-in: the data path and a short paper session against the real exchange (needs the internet).
test-online: build
	ONLINE=1 node --import tsx --test --test-timeout=600000 test/integration/online.test.ts

STUDY_DATA ?= ../shared/data/binance-spot-btcusdt-1m-klines-2024-12/BTCUSDT_1m.csv
study: build
	$(CLI) study $(if $(EVENTS),--events '$(EVENTS)',--data '$(if $(DATA),$(DATA),$(STUDY_DATA))')


# EVENTS=FILE (an event file from `convert`) runs the same analysis on the tick engine, in minute windows.
analyze-last-month: build
	$(CLI) analyze $(if $(EVENTS),--engine tick --events '$(EVENTS)',$(if $(DATA),--data '$(DATA)',--exchange $(EXCHANGE) --symbol '$(SYMBOL)' --timeframe $(TIMEFRAME)) --days $(DAYS)) --max-combinations $(MAX_COMBINATIONS) $(if $(WORKERS),--workers $(WORKERS)) --seed $(SEED)

# Paper trading on the live market (ccxt websockets, REST fallback): JSON lines, SQLite ledger, risk engine.
# EXCHANGE_URL=.. points ccxt at a proxy or a local fake; DASHBOARD_PORT=P serves the live dashboard.
ITERATIONS ?= 20
POLL_SECONDS ?= 1
.PHONY: realtime-paper
realtime-paper: build
	$(CLI) realtime --mode paper --exchange $(EXCHANGE) --symbol '$(SYMBOL)' --timeframe $(TIMEFRAME) --iterations $(ITERATIONS) --poll-seconds $(POLL_SECONDS) $(if $(EXCHANGE_URL),--exchange-url '$(EXCHANGE_URL)') $(if $(DASHBOARD_PORT),--dashboard-port $(DASHBOARD_PORT))

# Several symbols paper-traded in one process: one session per market on one clock, one ledger (a run per
# market), portfolio: limits over all of them, one dashboard of every market with DASHBOARD_PORT=P.
# PAPER_CONFIG=.. gives quoting, risk and portfolio (default config/examples/paper-multisymbol.yaml).
SYMBOLS ?= BTC/USDT,ETH/USDT
PAPER_CONFIG ?= config/examples/paper-multisymbol.yaml
.PHONY: paper-multisymbol paper-multisymbol-offline
paper-multisymbol: build
	$(CLI) realtime --mode paper --exchange $(EXCHANGE) --symbols '$(SYMBOLS)' --config '$(PAPER_CONFIG)' --iterations $(ITERATIONS) --poll-seconds $(POLL_SECONDS) $(if $(EXCHANGE_URL),--exchange-url '$(EXCHANGE_URL)') $(if $(DASHBOARD_PORT),--dashboard-port $(DASHBOARD_PORT))

# The same with no network: the fake Binance on 127.0.0.1 replays the shared capture as BTC/USDT and (prices × 0.05) ETH/USDT.
paper-multisymbol-offline: build
	SYMBOLS='$(SYMBOLS)' PAPER_CONFIG='$(PAPER_CONFIG)' scripts/paper-multisymbol-offline.sh --iterations $(ITERATIONS) --poll-seconds $(POLL_SECONDS) $(if $(DASHBOARD_PORT),--dashboard-port $(DASHBOARD_PORT))

# Cross-module tests; also refreshes the PNGs in visualizations/ and the page screenshots in docs/screenshots/.
test-integration: build
	@REFRESH_VISUALIZATIONS=1 node --import tsx --import ./test/report-blocking.mjs --test --test-concurrency=2 --test-timeout=300000 --test-force-exit $$(find test/integration -name '*.test.ts' | sort)

test: build
	@node --import tsx --import ./test/report-blocking.mjs --test --test-concurrency=2 --test-timeout=300000 --test-force-exit $$(find src test -name '*.test.ts' | sort)

bench: build
	@for f in $$(find bench -name '*.bench.mjs' | sort); do echo "== $$f"; node $$f; done
	@for f in $$(find bench -name '*.bench.ts' | sort); do echo "== $$f"; node --import tsx $$f; done

# Real market data through ccxt: EXCHANGE=.. SYMBOL=.. TIMEFRAME=.. [OUTPUT_DIR=data/real] [EXCHANGE_URL=..]
OUTPUT_DIR ?= data/real
.PHONY: real-data-fetch
real-data-fetch: build
	$(CLI) fetch --exchange $(EXCHANGE) --symbol '$(SYMBOL)' --timeframe $(TIMEFRAME) --output-dir '$(OUTPUT_DIR)' $(if $(EXCHANGE_URL),--exchange-url '$(EXCHANGE_URL)')

# Server deployment (docs/DEPLOYMENT.md): rsync the code (never the server's data, artifacts, ledger or .env),
# then build and start the realtime-strategy service with docker compose.
SERVER_DIR ?= /opt/marketmakerl
.PHONY: deploy-server
deploy-server:
	@SERVER='$(SERVER)' SERVER_DIR='$(SERVER_DIR)' scripts/deploy-server.sh

# dist/, test/.cache/ and, under artifacts/, the folders whose .marketmakerl marker lists all they hold (run, campaign,
# parity and training folders; a report.html beside their files allowed): nothing else (scripts/clean.mjs).
clean:
	@node scripts/clean.mjs

# ---------------------------------------------------------------------------------------------------------
# Operations: each target runs one `marketmakerl` command that ends with one JSON line and exits 0 only when
# what it checks holds. Kept in this one block (its own help lines in help-ops).
# ---------------------------------------------------------------------------------------------------------
.PHONY: help-ops consistency-check data-freshness campaign risk-calibration weekly-report status-page dashboard-serve dashboard-open walk-forward research-budgets quant-experiments daily-smoke mvp-launch realtime-live compose-config image
help: help-ops
help-ops:
	@echo "operations (one JSON line each; exit 0 only when what it checks holds):"
	@echo "make consistency-check   every make / marketmakerl line of README.md and docs/ names a real target or command with valid flags"
	@echo "make data-freshness      cached markets and recordings: last closed bar vs now, missing ranges, silences [CACHE_DIR= RECORDINGS= DATA= EVENTS= MAX_AGE=6h MAX_MISSING_BARS=0 NOW=]"
	@echo "make campaign N=5        the runtime pipeline N times with seeds SEED.., then SEED again, into artifacts/campaigns/<id>/: PnL spread; fails if a run fails or the repeat differs [CONFIG= MODE= BASELINE=]"
	@echo "make weekly-report       paper/live ledgers and run folders of the last DAYS_BACK=7 days: PnL, fills, uptime, reconnects, risk events, halts (JSON + HTML)"
	@echo "make status-page         one page of the newest results under artifacts/ with go / no-go (dashboard-serve: the dashboard server on 127.0.0.1:STATUS_PORT=8788 serves it at /status/; dashboard-open: prints its address)"
	@echo "make walk-forward        analyze under three walk-forward schemes + robustness table (EXP_DATA= EXP_DAYS=14 EXP_COMBINATIONS=12); research-budgets: three budgets; quant-experiments: three seeds"
	@echo "make daily-smoke         fetch, a day of history, a one-day backtest, 5 paper iterations against EXCHANGE/SYMBOL (EXCHANGE_URL= SMOKE_END= SMOKE_CONFIG=), each timed"
	@echo "make mvp-launch          consistency-check -> campaign -> analysis -> walk-forward -> a paper session on the shared capture, stopping at the first failure"
	@echo "make realtime-live       live trading (as run-live); compose-config: the server compose file (docker compose config, or a clear skip); image: docker build (no Docker daemon: SKIPPED, exit 4)"
	@echo "make risk-calibration    the risk limits of RISK_CONFIG against a crash, a gap, a volatility burst, a frozen feed and the shared data's worst days"

consistency-check: build
	$(CLI) consistency-check

CACHE_DIR ?= data/history
RECORDINGS ?= data/recordings
MAX_AGE ?= 6h
MAX_MISSING_BARS ?= 0
data-freshness: build
	$(CLI) data-freshness --cache-dir '$(CACHE_DIR)' --recordings '$(RECORDINGS)' --max-age $(MAX_AGE) --max-missing-bars $(MAX_MISSING_BARS) $(if $(DATA),--data $(DATA)) $(if $(EVENTS),--events $(EVENTS)) $(if $(NOW),--now $(NOW))

N ?= 3
campaign: build
	$(CLI) campaign --n $(N) --config $(CONFIG) --seed $(SEED) --max-workers $(MAX_WORKERS) $(if $(filter command line,$(origin MODE)),--mode $(MODE)) $(if $(BASELINE),--baseline '$(BASELINE)')

RISK_CONFIG ?= config/examples/btcusdt.yaml
risk-calibration: build
	$(CLI) risk-calibration --config $(RISK_CONFIG) $(if $(filter command line,$(origin SEED)),--seed $(SEED))

DAYS_BACK ?= 7
weekly-report: build
	$(CLI) weekly-report --days $(DAYS_BACK)

STATUS_PORT ?= 8788
status-page: build
	$(CLI) status-page

dashboard-serve: build
	$(CLI) status-page --serve --port $(STATUS_PORT)

# Writes the page and prints where to open it: the dashboard-serve address (with its token) when one serves on STATUS_PORT, else the
# file. No browser is started (servers have none); the exit code is the page's.
dashboard-open: build
	$(CLI) status-page --open --port $(STATUS_PORT)

# Analysis presets (src/ops/experiments.ts): one analyze per variant, then a robustness table; fails when the conclusion depends on the variant.
EXP_DATA ?= ../shared/data/binance-spot-btcusdt-5m-klines/BTCUSDT-5m-2024-08.csv
EXP_DAYS ?= 14
EXP_COMBINATIONS ?= 12
walk-forward research-budgets quant-experiments: build
	$(CLI) experiments --preset $@ --data '$(EXP_DATA)' --days $(EXP_DAYS) --max-combinations $(EXP_COMBINATIONS)

SMOKE_CONFIG ?= config/examples/btcusdt.yaml
daily-smoke: build
	$(CLI) daily-smoke --exchange $(EXCHANGE) --symbol '$(SYMBOL)' --timeframe 1m --config $(SMOKE_CONFIG) $(if $(EXCHANGE_URL),--exchange-url '$(EXCHANGE_URL)') $(if $(SMOKE_END),--end $(SMOKE_END))

mvp-launch: build
	$(CLI) mvp-launch --config $(CONFIG) --paper-config $(SMOKE_CONFIG)

# Live trading under its operations name: the same command as run-live (live guard, preflight, verified cancel-all).
realtime-live: run-live

compose-config: build
	$(CLI) compose-config --file docker-compose.server.yml

IMAGE_TAG ?= marketmakerl:latest
image: build
	$(CLI) image --tag $(IMAGE_TAG)
