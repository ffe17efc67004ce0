# syntax=docker/dockerfile:1
# gamesocket: one image for the socket service (default CMD) and the lobby-example backend
# (`node services/lobby-example/dist/main.js`). Operator guide: deploy/README.md.
# Checked against the code by services/socket/test/deploy-dockerfile.test.ts.
# Pin the base image by digest (node:24-bookworm-slim@sha256:...) in your CI for reproducible builds.

# ---- build: install every dependency, compile the TypeScript workspaces ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Package files first: the dependency layer is reused until a package.json or the lock file changes. npm ci wants
# every workspace's, the test helpers' too (nothing else of theirs is in the image).
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/redis/package.json packages/redis/
COPY packages/presence/package.json packages/presence/
COPY packages/emitter/package.json packages/emitter/
COPY packages/client/package.json packages/client/
COPY services/socket/package.json services/socket/
COPY services/lobby-example/package.json services/lobby-example/
COPY test/helpers/package.json test/helpers/
# --ignore-scripts: the root `prepare` script compiles, and the sources are not copied yet (esbuild's install script
# only speeds up its first run). The build is the explicit `npm run build` below: tsc, then esbuild bundles the demo
# lobby into services/socket/dist/demo.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages ./packages
COPY services ./services
RUN npm run build

# ---- runtime: production dependencies and compiled output only ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/redis/package.json packages/redis/
COPY packages/presence/package.json packages/presence/
COPY packages/emitter/package.json packages/emitter/
COPY packages/client/package.json packages/client/
COPY services/socket/package.json services/socket/
COPY services/lobby-example/package.json services/lobby-example/
COPY test/helpers/package.json test/helpers/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/packages/protocol/dist packages/protocol/dist
COPY --from=build /app/packages/redis/dist packages/redis/dist
COPY --from=build /app/packages/presence/dist packages/presence/dist
# The presence Lua scripts, read by packages/presence/dist/redis-scripts.js at load.
COPY --from=build /app/packages/presence/lua packages/presence/lua
COPY --from=build /app/packages/emitter/dist packages/emitter/dist
COPY --from=build /app/packages/client/dist packages/client/dist
COPY --from=build /app/services/socket/dist services/socket/dist
COPY --from=build /app/services/lobby-example/dist services/lobby-example/dist
# The demo page; services/socket/dist/http/dev-routes.js reads it (and dist/demo/demo.js) when /dev/login is on.
COPY services/socket/public services/socket/public
# Files stay owned by root and read-only for the process; it writes nothing but stdout/stderr.
USER node
EXPOSE 3000
# Slim images have no curl: probe with Node's fetch. PORT is the service's listen port (default 3000).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "services/socket/dist/main.js"]
