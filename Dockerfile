# marketmakerl server image: build the CLI, then a slim runtime with production dependencies only, run as a non-root user.
# The base image is pinned to one Node release (the one the tests run on); change it here, deliberately.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# 1. Production dependencies (better-sqlite3 compiles here when no prebuilt binary is reachable).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 2. Compile TypeScript (install scripts are not needed to type-check and emit).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-vendor.mjs ./scripts/
RUN npx tsc -p tsconfig.build.json && node scripts/bundle-vendor.mjs

# 3. Runtime: no compiler, no dev dependencies, no secrets (they come from the environment at run time).
# Runs read-only (docker-compose.server.yml): only the mounted artifacts/, ledger/, data/ and /tmp are written.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PAPER_ONLY=1
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
COPY schemas ./schemas
COPY deploy/start-realtime.sh ./deploy/start-realtime.sh
RUN mkdir -p artifacts ledger data \
 && chown -R node:node artifacts ledger data
# The image's `node` user, uid 1000 (compose runs it as 1000:1000 whoever deploys).
USER node
# V8 flags as bin/marketmakerl sets them (see there).
ENTRYPOINT ["node", "--no-concurrent-recompilation", "dist/cli/main.js"]
CMD ["--help"]
