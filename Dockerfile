# One image for every Node service of the monorepo (api, dispatcher, webhook worker, migrations,
# simulator); docker-compose.yml picks the command. Services run TypeScript through tsx, as
# `npm start` does, so there is no compile step besides the web apps.

# 1. Dependencies of every workspace, from the lockfile only (cached until a package.json changes).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY domain/package.json domain/
COPY api/package.json api/
COPY dispatcher/package.json dispatcher/
COPY simulator/package.json simulator/
COPY load-tests/package.json load-tests/
COPY courier-app/package.json courier-app/
COPY tracking-page/package.json tracking-page/
COPY ops-console/package.json ops-console/
COPY web-common/package.json web-common/
# Dev dependencies stay: tsx runs the services and Vite builds the web apps.
RUN npm ci --no-audit --no-fund

# 2. The sources and the three web apps' dist/ (served by the api under /app/...).
FROM deps AS build
COPY . .
RUN npm run build:web

# 3. What runs: the same tree, owned by root and read-only to the service user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app /app
# The only place a service writes: the simulator's run records (a volume in compose).
RUN mkdir -p /app/sim-runs && chown node:node /app/sim-runs
USER node
EXPOSE 3000 9464
# --max-semi-space-size: a 32 MB young generation for the api (see README, `npm run bench -- api`).
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "api/src/main.ts"]
