#!/usr/bin/env bash
# Deploy to a server over SSH: sync the code (never its data, artifacts, ledger or .env), build and start realtime-strategy.
set -euo pipefail

SERVER=${SERVER:-}
SERVER_DIR=${SERVER_DIR:-/opt/marketmakerl}
SOURCE=${DEPLOY_SOURCE:-$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)}
COMPOSE="docker compose -f docker-compose.server.yml"

if [[ -z "$SERVER" ]]; then
  echo "error: SERVER is not set; usage: make deploy-server SERVER=user@host [SERVER_DIR=/opt/marketmakerl]" >&2
  exit 2
fi
if [[ "$SERVER_DIR" != /* ]]; then
  echo "error: SERVER_DIR must be an absolute path, got '$SERVER_DIR'" >&2
  exit 2
fi

# --delete removes code that left the checkout; the filter's excluded paths are untouched on the server.
sync_to() {
  rsync -rlptz --delete --filter="merge $SOURCE/deploy/rsync-filter" "$SOURCE/" "$1"
}

if [[ "$SERVER" == "local" ]]; then
  # A local directory stands in for the server (used to test the filter).
  mkdir -p "$SERVER_DIR"
  sync_to "$SERVER_DIR/"
  echo "synced $SOURCE to $SERVER_DIR"
  exit 0
fi

revision=$(git -C "$SOURCE" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "deploying $revision to $SERVER:$SERVER_DIR"
ssh "$SERVER" "mkdir -p '$SERVER_DIR'"
sync_to "$SERVER:$SERVER_DIR/"
ssh "$SERVER" bash -s -- "$SERVER_DIR" "$revision" <<'REMOTE'
set -euo pipefail
cd "$1"
echo "$2" > REVISION
mkdir -p artifacts ledger data
# The service runs as uid 1000 (the image's `node` user) whoever deploys: it owns its data folders.
if [[ "$(stat -c %u artifacts):$(stat -c %u ledger):$(stat -c %u data)" != "1000:1000:1000" ]]; then
  chown -R 1000:1000 artifacts ledger data 2>/dev/null || sudo -n chown -R 1000:1000 artifacts ledger data || {
    echo "error: artifacts/, ledger/ and data/ must belong to uid 1000 (the service's user): run 'sudo chown -R 1000:1000 artifacts ledger data' in $1" >&2
    exit 2
  }
fi
if [[ ! -f .env ]]; then
  echo "error: $1/.env is missing: copy .env.example to .env on the server and fill it in (keys stay on the server)" >&2
  exit 2
fi
# Keep the running image as :previous for a rollback.
if docker image inspect marketmakerl:latest >/dev/null 2>&1; then docker tag marketmakerl:latest marketmakerl:previous; fi
docker compose -f docker-compose.server.yml up -d --build realtime-strategy
docker compose -f docker-compose.server.yml ps realtime-strategy
REMOTE
echo "started realtime-strategy ($revision). Follow its logs with:"
echo "  ssh $SERVER 'cd $SERVER_DIR && $COMPOSE logs -f realtime-strategy'"
