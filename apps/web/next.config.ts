import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const config: NextConfig = {
  // A self-contained server for the production image (apps/web/Dockerfile).
  output: 'standalone',
  // Trace files from the repository root so workspace packages land in the standalone output.
  outputFileTracingRoot: root,
  // Workspace packages ship TypeScript source; Next compiles them.
  transpilePackages: ['@app/db', '@app/worker'],
  // Loaded by Node at run time rather than bundled: native-ish or worker-thread code.
  serverExternalPackages: ['pino', 'pino-pretty', 'bullmq', 'ioredis', 'postgres'],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
};

export default config;
