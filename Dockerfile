# marketmakerl server image: build the CLI, then a slim runtime with production dependencies only, run as a non-root user.

# 1. Production dependencies (better-sqlite3 compiles here when no prebuilt binary is reachable).
FROM node:20-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 2. Compile TypeScript (install scripts are not needed to type-check and emit).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# 3. Runtime: no compiler, no dev dependencies, no secrets (they come from the environment at run time).
FROM node:20-slim AS runtime
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
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
