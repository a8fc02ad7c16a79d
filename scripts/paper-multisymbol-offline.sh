#!/usr/bin/env bash
# Paper quoting on two symbols in one process with no network: the fake Binance (test/fake-exchange) replays the
# shared capture as BTC/USDT and, prices × 0.05, as ETH/USDT on 127.0.0.1; the session talks to it through ccxt.
# Usage: scripts/paper-multisymbol-offline.sh [extra realtime flags...]
set -euo pipefail
out=artifacts/realtime/offline
mkdir -p "$out"
url_file=$(mktemp)
FAKE_STEP_MS=${FAKE_STEP_MS:-50} node --import tsx test/fake-exchange/serve.ts >"$url_file" &
fake=$!
trap 'kill "$fake" 2>/dev/null || true; rm -f "$url_file"' EXIT
for _ in $(seq 1 100); do
  [[ -s "$url_file" ]] && break
  kill -0 "$fake" 2>/dev/null || { echo "the fake exchange did not start" >&2; exit 1; }
  sleep 0.2
done
url=$(head -1 "$url_file")
[[ -n "$url" ]] || { echo "the fake exchange did not start" >&2; exit 1; }
./bin/marketmakerl realtime --mode paper --exchange binance --symbols "${SYMBOLS:-BTC/USDT,ETH/USDT}" --exchange-url "$url" \
  --config "${PAPER_CONFIG:-config/examples/paper-multisymbol.yaml}" --ledger "$out/ledger.sqlite" --out-dir "$out" --halt-file "$out/HALT" "$@"
