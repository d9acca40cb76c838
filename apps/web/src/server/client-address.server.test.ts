import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { normalizeAddress, parseTrustedProxies, resolveClient } from './client-address.server';

const trusted = (value: string) => {
  const list = new BlockList();
  for (const p of parseTrustedProxies(value)) list.addSubnet(p.address, p.prefix, p.family);
  return list;
};

describe('parseTrustedProxies', () => {
  it('reads IPs and CIDR ranges, comma- or space-separated', () => {
    expect(parseTrustedProxies('10.0.1.0/24, 192.0.2.7 ::1')).toEqual([
      { address: '10.0.1.0', prefix: 24, family: 'ipv4' },
      { address: '192.0.2.7', prefix: 32, family: 'ipv4' },
      { address: '::1', prefix: 128, family: 'ipv6' },
    ]);
    expect(parseTrustedProxies('')).toEqual([]);
  });

  it('names the entry it cannot read', () => {
    expect(() => parseTrustedProxies('10.0.1.0/33')).toThrow('"10.0.1.0/33"');
    expect(() => parseTrustedProxies('traefik')).toThrow('"traefik" is not an IP');
    expect(() => parseTrustedProxies('10.0.0.0/x')).toThrow('prefix');
  });
});

describe('resolveClient', () => {
  const coolify = trusted('10.0.1.0/24');

  it('an untrusted peer is the client, whatever it forwards', () => {
    expect(resolveClient('203.0.113.5', '198.51.100.1', coolify)).toBe('203.0.113.5');
    expect(resolveClient('203.0.113.5', undefined, coolify)).toBe('203.0.113.5');
  });

  it('behind a trusted proxy: the right-most hop that is not a trusted proxy', () => {
    expect(resolveClient('10.0.1.3', '203.0.113.5', coolify)).toBe('203.0.113.5');
    // The client sent "6.6.6.6" itself; Traefik appended what it saw.
    expect(resolveClient('10.0.1.3', '6.6.6.6, 203.0.113.5', coolify)).toBe('203.0.113.5');
    expect(resolveClient('10.0.1.3', '203.0.113.5, 10.0.1.9', coolify)).toBe('203.0.113.5');
    expect(resolveClient('10.0.1.3', 'garbage', coolify)).toBe('unknown');
    expect(resolveClient('10.0.1.3', undefined, coolify)).toBe('10.0.1.3');
  });

  it('treats IPv4-mapped IPv6 peers as IPv4', () => {
    expect(normalizeAddress('::ffff:10.0.1.3')).toBe('10.0.1.3');
    expect(normalizeAddress('2001:db8::1')).toBe('2001:db8::1');
  });
});
