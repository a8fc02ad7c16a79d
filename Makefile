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

.PHONY: deps build test typecheck run-backtest backtest-real bench simulate-as2008 clean help

help:
	@echo "make run-backtest   seeded backtest on built-in data (installs and builds first)"
	@echo "make test           every test (installs first)"
	@echo "make bench          benchmarks; figures go to bench/RESULTS.md by hand"

$(NODE_STAMP): package.json package-lock.json
	@npm install --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

deps: $(NODE_STAMP)

$(BUILD_STAMP): $(NODE_STAMP) $(SRC) tsconfig.json tsconfig.build.json
	@rm -rf dist
	@npx tsc -p tsconfig.build.json
	@touch $(BUILD_STAMP)

build: $(BUILD_STAMP)

typecheck: $(NODE_STAMP)
	npx tsc -p tsconfig.json --noEmit

run-backtest: build
	$(CLI) backtest --seed $(SEED)

backtest-real: build
	$(CLI) backtest --data ../shared/data/binance-spot-btcusdt-1m-klines-2024-12/BTCUSDT_1m.csv --seed $(SEED)

simulate-as2008: build
	@for g in 0.1 0.01 0.5; do $(CLI) simulate as2008 --gamma $$g --paths 1000 --seed $(SEED); done

test: build
	@node --import tsx --test --test-concurrency=2 $$(find src test -name '*.test.ts' | sort)

bench: build
	@for f in $$(find bench -name '*.bench.mjs' | sort); do echo "== $$f"; node $$f; done
	@for f in $$(find bench -name '*.bench.ts' | sort); do echo "== $$f"; node --import tsx $$f; done

clean:
	rm -rf dist artifacts
