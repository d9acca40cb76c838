// The parts of live events that the server and the browser share, dependency-free so a client
// component can import them: stream-id order and the Server-Sent Events wire format.

/** Redis stream ids are "<ms>-<seq>": compared numerically, since "10-0" > "9-0" as ids. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** One SSE frame. `data` is JSON-encoded, so it never holds the newline that ends a field. */
export function sseFrame(frame: { id?: string; event: string; data: unknown }): string {
  const id = frame.id ? `id: ${frame.id}\n` : '';
  return `${id}event: ${frame.event}\ndata: ${JSON.stringify(frame.data)}\n\n`;
}

/** A comment line: ignored by EventSource, it keeps proxies from closing an idle stream. */
export const sseComment = (text: string) => `: ${text.replaceAll('\n', ' ')}\n\n`;

/** How long the browser waits before reconnecting (it then sends Last-Event-ID). */
export const sseRetry = (ms: number) => `retry: ${Math.round(ms)}\n\n`;
