# One image for every Node service of the monorepo; the compose file picks the entry point.
FROM node:20-bookworm-slim
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
RUN npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production HOST=0.0.0.0
EXPOSE 3000
CMD ["node", "--import", "tsx", "api/src/main.ts"]
