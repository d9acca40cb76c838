import { describe, expect, it } from 'vitest';
import { pickVmAddress } from './multipass.ts';

const host = [
  { address: '127.0.0.1', netmask: '255.0.0.0', iface: 'lo0' },
  { address: '192.168.64.1', netmask: '255.255.255.0', iface: 'bridge100' },
  { address: '172.17.0.1', netmask: '255.255.0.0', iface: 'docker0' },
];

describe('pickVmAddress', () => {
  it('takes the address on the Multipass bridge even when a Docker bridge is listed first', () => {
    expect(pickVmAddress(['172.17.0.1', '10.0.1.1', '192.168.64.5'], host)).toBe('192.168.64.5');
  });

  it('ignores a VM bridge that only matches the host’s own docker0', () => {
    expect(pickVmAddress(['172.17.0.1', '10.97.12.4'], host)).toBe('10.97.12.4');
  });

  it('falls back to the first address outside Docker’s pool, then to the first one', () => {
    expect(pickVmAddress(['172.18.0.1', '10.1.2.3'], [])).toBe('10.1.2.3');
    expect(pickVmAddress(['172.18.0.1'], [])).toBe('172.18.0.1');
    expect(pickVmAddress([], host)).toBeUndefined();
  });
});
