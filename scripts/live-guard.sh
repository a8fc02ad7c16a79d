#!/usr/bin/env bash
# Proves the live guard refuses: exit 0 only if every refusal happens with its exact message and exit code 2,
# both for the runtime (run --mode live) and for live trading (realtime --mode live, what make run-live runs).
# Usage: scripts/live-guard.sh [config]   (make live-guard)
set -u
cli="$(dirname "$0")/../bin/marketmakerl"
config="${1:-config/config.yaml}"
fail=0

expect() { # expect <label> <exact stderr line> <env assignments...> -- <cli args...>
  local label="$1" want="$2"
  shift 2
  local envs=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do envs+=("$1"); shift; done
  shift
  local err code
  err=$(env -u EXCHANGE_API_KEY -u EXCHANGE_API_SECRET -u PAPER_ONLY "${envs[@]}" "$cli" "$@" 2>&1 >/dev/null)
  code=$?
  if [[ "$code" == 2 && "$err" == "$want" ]]; then
    echo "ok    $label: $err"
  else
    echo "FAIL  $label: exit $code, stderr: $err (wanted exit 2, stderr: $want)"
    fail=1
  fi
}

for which in runtime realtime; do
  if [[ $which == runtime ]]; then cmd=(run --config "$config" --mode live); else cmd=(realtime --mode live --confirm-live); fi
  expect "$which, PAPER_ONLY unset" 'error: mode=live is disabled while PAPER_ONLY=1' -- "${cmd[@]}"
  expect "$which, PAPER_ONLY=1" 'error: mode=live is disabled while PAPER_ONLY=1' PAPER_ONLY=1 -- "${cmd[@]}"
  expect "$which, PAPER_ONLY=0, no keys" 'error: mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET' PAPER_ONLY=0 -- "${cmd[@]}"
  expect "$which, PAPER_ONLY=0, key only" 'error: mode=live requires env vars: EXCHANGE_API_SECRET' PAPER_ONLY=0 EXCHANGE_API_KEY=guard-check-key -- "${cmd[@]}"
  expect "$which, PAPER_ONLY=0, secret only" 'error: mode=live requires env vars: EXCHANGE_API_KEY' PAPER_ONLY=0 EXCHANGE_API_SECRET=guard-check-secret -- "${cmd[@]}"
done
if [[ $fail == 0 ]]; then echo "live guard: every refusal holds"; else echo "live guard: FAILED"; fi
exit $fail
