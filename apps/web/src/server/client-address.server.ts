import { randomBytes } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * Who is the client? Next 16 gives neither `proxy.ts` nor route handlers the socket: it only fills
 * X-Forwarded-For from the socket when the request has none (next/dist/server/base-server.js), so
 * a client that sends its own gets it believed. Node publishes every request on the
 * `http.server.request.start` diagnostics channel, with its socket, before any 'request' listener
 * (Next's) runs: there, in the server process, forwarded headers from a peer that is not a
 * configured proxy are dropped, and the client's address is put in a header whose name is random
 * per process, so no client can send it. docs/security.md › Client address; decision 0066.
 */

export type TrustedProxy = { address: string; prefix: number; family: 'ipv4' | 'ipv6' };

const FORWARDED_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
  'forwarded',
];

// Random per process (on globalThis: instrumentation and each route are bundled apart, so this
// module may be instantiated more than once). A request that arrived before the subscription (the
// first instants after start) cannot carry a forged one: it gets 'unknown', never a bypass.
const globalForClient = globalThis as typeof globalThis & {
  __clientAddressInstalled?: boolean;
  __clientAddressHeader?: string;
};
globalForClient.__clientAddressHeader ??= `x-app-client-${randomBytes(8).toString('hex')}`;
const CLIENT_HEADER = globalForClient.__clientAddressHeader;

/** Parses `10.0.1.0/24, 192.0.2.7 ::1` (commas or spaces); throws a message naming a bad entry. */
export function parseTrustedProxies(value: string): TrustedProxy[] {
  const entries = value.split(/[\s,]+/).filter(Boolean);
  return entries.map((entry) => {
    const [address = '', prefixText] = entry.split('/');
    const version = isIP(address);
    if (version === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const max = version === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!/^\d+$/.test(prefixText ?? String(max)) || prefix > max) {
      throw new Error(`"${entry}": the prefix length must be 0–${max}`);
    }
    return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
  });
}

function blockList(proxies: readonly TrustedProxy[]): BlockList {
  const list = new BlockList();
  for (const proxy of proxies) list.addSubnet(proxy.address, proxy.prefix, proxy.family);
  return list;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/**
 * The client behind `peer`: the peer itself unless it is a trusted proxy; then the right-most
 * X-Forwarded-For entry that is not a trusted proxy (each proxy appends the address it saw, so
 * entries left of the last untrusted one may be forged).
 */
export function resolveClient(
  peer: string,
  forwardedFor: string | undefined,
  trusted: BlockList,
): string {
  const isTrusted = (address: string) => trusts(trusted, address);
  if (!isTrusted(peer)) return peer;
  const hops = (forwardedFor ?? '')
    .split(',')
    .map((hop) => normalizeAddress(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!isTrusted(hop)) return isIP(hop) ? hop : 'unknown';
  }
  return hops[0] ?? peer;
}

function trusts(trusted: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && trusted.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

/** Drops forwarded headers from untrusted peers and records the client; call once at start. */
export function installClientAddress(
  proxies: readonly TrustedProxy[],
  onUntrustedForwarding?: (peer: string) => void,
): void {
  if (globalForClient.__clientAddressInstalled) return;
  globalForClient.__clientAddressInstalled = true;
  const trusted = blockList(proxies);
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    const peer = normalizeAddress(request.socket.remoteAddress ?? '');
    const headers = request.headers;
    if (trusts(trusted, peer)) {
      headers[CLIENT_HEADER] = resolveClient(
        peer,
        headerValue(headers['x-forwarded-for']),
        trusted,
      );
    } else {
      if (headers['x-forwarded-for'] !== undefined) onUntrustedForwarding?.(peer);
      // Next then fills X-Forwarded-For from the socket and X-Forwarded-Host from Host.
      for (const name of FORWARDED_HEADERS) delete headers[name];
      headers[CLIENT_HEADER] = peer || 'unknown';
    }
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The client's address as installClientAddress saw it; 'unknown' before it was installed. */
export function clientAddress(headers: Headers): string {
  return headers.get(CLIENT_HEADER) || 'unknown';
}
