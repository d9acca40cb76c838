/**
 * Response headers for every page and API route (set by src/proxy.ts). The policy is strict: no
 * inline script runs unless Next put it there with this request's nonce, nothing loads from other
 * origins, and no other site may frame the app.
 */

export function contentSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts the nonced bootstrap loads are trusted; host lists are ignored.
    // React's development build needs eval for its error overlay; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    // Next adds the nonce to the style tags it inlines; the app's CSS is a file. In development
    // the dev overlay and hot reload inject styles without one (and with a nonce present,
    // browsers ignore 'unsafe-inline'), so development allows inline styles, never scripts.
    development ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // Fetches and Server-Sent Events go to this origin only ('self' covers the dev server's
    // websocket in current browsers).
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers that do not depend on the request. */
export const staticSecurityHeaders: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  // frame-ancestors covers current browsers; this covers the rest.
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'cross-origin-opener-policy': 'same-origin',
};

/** 128 random bits, base64: a fresh one per request. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
}
