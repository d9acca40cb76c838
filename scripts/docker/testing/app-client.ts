// The app as a production user reaches it: HTTP to the web container's published port, with
// Basic auth and the site's own Origin on writes (docs/security.md). No shortcut through the
// database: uploads go through the web process, as `curl -F file=@…` would.

import {
  // demo:start
  PollFailed,
  // demo:end
  pollUntil,
} from '@app/shared/wait';

// demo:start
export type ImportState = {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  processedRows: number;
  inserted: number;
  updated: number;
  invalid: number;
  error: string | null;
};
// demo:end

export type AppClient = ReturnType<typeof appClient>;

export function appClient(baseUrl: string, auth: { user: string; password: string }) {
  const headers = {
    authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`,
    origin: baseUrl,
  };
  const get = (path: string) => fetch(`${baseUrl}${path}`, { headers });

  return {
    baseUrl,
    headers,
    get,
    async health(): Promise<{ status: number; body: { status: string; version?: string } }> {
      const response = await fetch(`${baseUrl}/api/health`);
      return { status: response.status, body: (await response.json()) as { status: string } };
    },
    /** The skeleton's round trip: POST /api/examples, then the worker marks the row processed. */
    async processExample(message: string, timeoutMs = 60_000): Promise<{ id: string }> {
      const response = await fetch(`${baseUrl}/api/examples`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
      const text = await response.text();
      if (response.status !== 202)
        throw new Error(`POST /api/examples: ${response.status} ${text}`);
      const { id } = (JSON.parse(text) as { example: { id: string } }).example;
      return pollUntil(
        async () => {
          const list = (await (await get('/api/examples')).json()) as {
            examples: { id: string; processedAt: string | null }[];
          };
          return list.examples.find((row) => row.id === id && row.processedAt) ? { id } : undefined;
        },
        { what: `example ${id}`, timeoutMs, intervalMs: 200 },
      );
    },
    // demo:start
    /** Uploads a CSV; answers the status and body as they came, for the test to assert on. */
    async upload(bytes: Buffer, filename: string) {
      const form = new FormData();
      form.append('file', new File([bytes], filename, { type: 'text/csv' }));
      const response = await fetch(`${baseUrl}/api/imports`, {
        method: 'POST',
        body: form,
        headers,
      });
      const text = await response.text();
      const created =
        response.status === 202 ? (JSON.parse(text) as { import: ImportState }) : null;
      return { status: response.status, text, id: created?.import.id ?? '' };
    },
    async importState(id: string): Promise<ImportState> {
      const response = await get(`/api/imports/${id}`);
      if (response.status !== 200) {
        throw new Error(
          `GET /api/imports/${id} answered ${response.status}: ${await response.text()}`,
        );
      }
      return ((await response.json()) as { import: ImportState }).import;
    },
    /** Polls the import until `until` holds; fails with its last state after `timeoutMs`. */
    async waitForImport(
      id: string,
      until: (state: ImportState) => boolean = (s) => s.status === 'completed',
      timeoutMs = 240_000,
    ): Promise<ImportState> {
      let last: ImportState | undefined;
      return pollUntil(
        async () => {
          last = await this.importState(id).catch(() => last);
          if (last && until(last)) return last;
          if (last?.status === 'failed') throw new PollFailed(`import ${id} failed: ${last.error}`);
          return undefined;
        },
        { what: `import ${id}`, timeoutMs, intervalMs: 200, detail: () => JSON.stringify(last) },
      );
    },
    // demo:end
  };
}
