# Image for the worker, the CLI and the API (docker-compose.temporal.yml runs it as the worker).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN npx tsx scripts/build-workflow-bundle.ts
USER node
ENTRYPOINT ["node", "bin/lakehouse.js"]
CMD ["worker"]
