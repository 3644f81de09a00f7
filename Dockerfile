# dpdist: multi-stage build. Build tools (python3, make, g++ for better-sqlite3 and the native count
# filter) only in the build stage. Node 24, the active LTS; dpdist supports Node 20.19+, 22 and 24,
# and CI runs Node 20 (README: supported Node versions).
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json binding.gyp ./
COPY scripts ./scripts
COPY native ./native
# npm ci runs the install script, which compiles the native count filter
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY server ./server
COPY cli ./cli
COPY core ./core
COPY scan ./scan
COPY ingest ./ingest
COPY sketch ./sketch
COPY privacy ./privacy
COPY db ./db
COPY ui ./ui
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DPDIST_DB=/data/dpdist.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/Release/count_filter.node ./build/Release/count_filter.node
# /data holds the database and, when no DPDIST_ADMIN_TOKEN is set, the generated admin token
# (/data/dpdist.db.admin-token, mode 0600) instead of printing it into the container's log
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# tini-like signal handling comes from `docker run --init`; dpdist itself shuts down gracefully on SIGTERM.
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve"]
