import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTlsFailure, RedisConfigError, redisHost, redisOptions } from './redis.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'redis-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('redisOptions', () => {
  it('adds nothing for redis://, and verifies rediss:// against the system CAs by default', () => {
    expect(redisOptions('redis://:pw@localhost:6379')).toEqual({});
    expect(redisOptions('rediss://default:pw@cache.example.com:25061')).toEqual({
      tls: { rejectUnauthorized: true, servername: 'cache.example.com' },
    });
    // An IP address is no SNI name: Node checks it against the certificate's IP entries.
    expect(redisOptions('rediss://127.0.0.1:6380')).toEqual({ tls: { rejectUnauthorized: true } });
  });

  it('trusts the CA in REDIS_CA_FILE', () => {
    const file = path.join(dir, 'ca.pem');
    writeFileSync(file, pem);
    const { tls } = redisOptions('rediss://cache.example.com:25061', file);
    expect(String((tls as { ca: Buffer }).ca)).toBe(pem);
  });

  it('names REDIS_CA_FILE when it is missing or not PEM', () => {
    const missing = path.join(dir, 'missing.pem');
    expect(() => redisOptions('rediss://h:1', missing)).toThrow(RedisConfigError);
    expect(() => redisOptions('rediss://h:1', missing)).toThrow(
      `REDIS_CA_FILE: cannot read ${missing} (ENOENT)`,
    );
    const der = path.join(dir, 'ca.der');
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01]));
    expect(() => redisOptions('rediss://h:1', der)).toThrow(/holds no PEM certificate/);
  });
});

describe('describeTlsFailure', () => {
  const url = 'rediss://default:secret-password@cache.example.com:25061';
  const failure = (code: string) => Object.assign(new Error(code), { code });

  it('says an untrusted certificate is REDIS_CA_FILE’s business, with the host, never the password', () => {
    const line = describeTlsFailure(failure('SELF_SIGNED_CERT_IN_CHAIN'), url, '/etc/ca.pem');
    expect(line).toContain('Redis at cache.example.com:25061 (REDIS_URL)');
    expect(line).toContain('not signed by the CA in REDIS_CA_FILE (/etc/ca.pem)');
    expect(line).not.toContain('secret-password');
    expect(describeTlsFailure(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), url)).toContain(
      'the system CAs (REDIS_CA_FILE unset)',
    );
  });

  it('tells a host-name mismatch and a plain port apart; other errors are not TLS ones', () => {
    expect(describeTlsFailure(failure('ERR_TLS_CERT_ALTNAME_INVALID'), url)).toMatch(
      /not for this host name/,
    );
    expect(describeTlsFailure(failure('EPROTO'), url)).toMatch(/does not speak TLS/);
    expect(describeTlsFailure(failure('ECONNREFUSED'), url)).toBeUndefined();
    expect(describeTlsFailure(new Error('WRONGPASS invalid password'), url)).toBeUndefined();
  });

  it('redisHost gives host:port only', () => {
    expect(redisHost(url)).toBe('cache.example.com:25061');
    expect(redisHost('redis://localhost')).toBe('localhost:6379');
  });
});
