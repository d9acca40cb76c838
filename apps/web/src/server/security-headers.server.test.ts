import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './security-headers.server';

const directive = (policy: string, name: string) =>
  policy.split('; ').find((d) => d.startsWith(`${name} `)) ?? '';

describe('contentSecurityPolicy', () => {
  it('in production allows only nonced inline scripts and styles', () => {
    const policy = contentSecurityPolicy('abc', false);
    expect(directive(policy, 'script-src')).toBe("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(directive(policy, 'style-src')).toBe("style-src 'self' 'nonce-abc'");
    expect(directive(policy, 'frame-ancestors')).toBe("frame-ancestors 'none'");
  });

  it("in development lets Next's overlay inject styles, still never inline scripts", () => {
    const policy = contentSecurityPolicy('abc', true);
    expect(directive(policy, 'style-src')).toBe("style-src 'self' 'unsafe-inline'");
    expect(directive(policy, 'script-src')).not.toContain("'unsafe-inline'");
  });
});
