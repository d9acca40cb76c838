import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEnvFiles, resolveVersion } from '@app/shared/env/node';
import type { NextConfig } from 'next';
import { PROXIED_BODY_MAX_BYTES } from './src/server/body-limits';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Development and `next start`: the repository's env files, read by the loader every process
// uses (the worker and the scripts too), and the checkout's commit as the version. Done here, at
// config time, so the server code never walks the file system; the standalone server does not
// run this file and gets both from the container's environment.
loadEnvFiles(root);
process.env.APP_VERSION = resolveVersion(process.env.APP_VERSION, root);

const config: NextConfig = {
  // A self-contained server for the production image (apps/web/Dockerfile).
  output: 'standalone',
  // Trace files from the repository root so workspace packages land in the standalone output.
  outputFileTracingRoot: root,
  // Workspace packages ship TypeScript source; Next compiles them.
  transpilePackages: ['@app/db', '@app/shared'],
  // Loaded by Node at run time rather than bundled: native-ish or worker-thread code.
  serverExternalPackages: ['pino', 'pino-pretty', 'bullmq', 'ioredis', 'postgres'],
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  experimental: {
    // Next keeps a copy of every body the proxy sees, up to this size, and silently cuts the
    // rest. The proxy refuses larger announced bodies (413) and the upload route, the only one
    // that takes large bodies, is left out of the proxy (docs/decisions/0060).
    proxyClientMaxBodySize: PROXIED_BODY_MAX_BYTES,
  },
};

export default config;
