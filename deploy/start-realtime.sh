#!/bin/sh
# Start the realtime strategy from environment settings (container entrypoint and systemd ExecStart alike).
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$here"

mode=${MM_MODE:-paper}
set -- realtime \
  --mode "$mode" \
  --exchange "${MM_EXCHANGE:-binance}" \
  --symbol "${MM_SYMBOL:-BTC/USDT}" \
  --timeframe "${MM_TIMEFRAME:-1m}" \
  --iterations "${MM_ITERATIONS:-forever}" \
  --poll-seconds "${MM_POLL_SECONDS:-1}" \
  --dashboard-port "${MM_DASHBOARD_PORT:-8787}" \
  --ledger "${MM_LEDGER:-ledger/$mode.sqlite}" \
  --halt-file "${MM_HALT_FILE:-artifacts/realtime/HALT}" \
  --out-dir "${MM_OUT_DIR:-artifacts/realtime}"
if [ -n "${MM_CONFIG:-}" ]; then set -- "$@" --config "$MM_CONFIG"; fi
if [ -n "${MM_EXCHANGE_URL:-}" ]; then set -- "$@" --exchange-url "$MM_EXCHANGE_URL"; fi
# Live trading needs the explicit confirmation on top of PAPER_ONLY=0 and the keys (checked by the CLI).
if [ "$mode" = "live" ] && [ "${MM_CONFIRM_LIVE:-}" = "yes" ]; then set -- "$@" --confirm-live; fi
# V8 flags as bin/marketmakerl sets them (see there).
exec node --no-concurrent-recompilation dist/cli/main.js "$@"
