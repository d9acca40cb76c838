// The browser's side of the API's error contract (`ErrorBody` in server/http.server.ts): every
// button and form that POSTs gets the same reading of a refusal, so each message names what was
// wrong (the first invalid field, or the server's message) instead of a bare status.

type ErrorBody = {
  error?: { message?: string; issues?: { path: string; message: string }[] };
};

/** The answer to a POST: the JSON body, or a reason to show after "Not added: " and the like. */
export type PostOutcome<T> = { ok: true; body: T } | { ok: false; reason: string };

/** What a refusal says, in the words a person can act on. */
export function refusalReason(body: unknown, status: number): string {
  const error = (body as ErrorBody | undefined)?.error;
  const issue = error?.issues?.[0];
  if (issue) return issue.path === '(root)' ? issue.message : `${issue.path}: ${issue.message}`;
  return error?.message ?? `the server answered ${status}`;
}

/** POSTs `json` (or nothing) and reads the answer; never throws, offline included. */
export async function postJson<T>(url: string, json?: unknown): Promise<PostOutcome<T>> {
  let response: Response;
  try {
    response = await fetch(
      url,
      json === undefined
        ? { method: 'POST' }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(json),
          },
    );
  } catch {
    return { ok: false, reason: 'the request did not reach the server (check your connection)' };
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok && body !== undefined) return { ok: true, body: body as T };
  return { ok: false, reason: refusalReason(body, response.status) };
}
