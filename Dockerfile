# keywarden: the worker and the HR webhook (and `keywarden setup`), from one image.
# Build: docker build -t keywarden .   Run: docker compose up (see README, "Deploying").

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY activities ./activities
COPY client ./client
COPY connection ./connection
COPY domain ./domain
COPY sandbox ./sandbox
COPY worker ./worker
COPY workflows ./workflows
RUN npx tsc -p tsconfig.json

FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
# Two C allocator arenas instead of eight per core: the worker's threads (V8's, the Temporal
# core's) otherwise each keep freed memory in arenas of their own (README, "Sizing a worker").
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
# No credentials in the image: AWS comes from a mounted profile or the standard variables at run time.
USER node
ENTRYPOINT ["node", "bin/keywarden.js"]
CMD ["worker"]
