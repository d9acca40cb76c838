/**
 * Request body sizes, outside the upload route (whose limit is IMPORT_MAX_BYTES). A plain module
 * without env or I/O, because next.config.ts reads it too. docs/decisions/0060 explains them.
 */

/** The largest JSON body a route reads (the JSON routes take a few ids). */
export const JSON_BODY_MAX_BYTES = 64 * 1024;

/**
 * The largest body the proxy lets through to any route it covers. Next buffers a copy of the body
 * for the proxy and cuts it silently at `proxyClientMaxBodySize` (next.config.ts), so the proxy
 * refuses anything announced larger with a 413, and the routes' own smaller limits (above) catch
 * an unannounced (chunked) body before it could be cut.
 */
export const PROXIED_BODY_MAX_BYTES = 1024 * 1024;

/** Room for the multipart boundaries and part headers around an upload's file. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export function formatMb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? formatMb(bytes) : `${Math.ceil(bytes / 1024)} KB`;
}
