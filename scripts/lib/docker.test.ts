import { describe, expect, it } from 'vitest';
import { portsInConflict, pullFailureReason } from './docker.ts';

// The daemon's messages as dockerd 26.1 printed them through `docker compose up` on this
// template (scripts/docker/dev-compose.docker.test.ts runs the real cases end to end).
describe('reading a failed docker compose up', () => {
  it('finds the host port of a bind failure, in both wordings of the daemon', () => {
    const proxy =
      'Error response from daemon: driver failed programming external connectivity on endpoint app-postgres-1 (2d01ca16): Error starting userland proxy: listen tcp4 127.0.0.1:45432: bind: address already in use';
    const allocator =
      'Error response from daemon: driver failed programming external connectivity on endpoint app-redis-1 (9f3e): Bind for 127.0.0.1:6379 failed: port is already allocated';
    expect(portsInConflict(proxy)).toEqual([45432]);
    expect(portsInConflict(`${proxy}\n${allocator}`)).toEqual([45432, 6379]);
    expect(portsInConflict('container app-postgres-1 is unhealthy')).toEqual([]);
  });

  it('tells an unreachable registry from a missing image', () => {
    expect(
      pullFailureReason(
        'Error response from daemon: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
      ),
    ).toMatch(/cannot be reached/);
    expect(
      pullFailureReason(
        "Error response from daemon: pull access denied for nosuch/image, repository does not exist or may require 'docker login'",
      ),
    ).toMatch(/no such image/);
    expect(pullFailureReason('something else')).toBe(
      'the registry is unreachable or the name is wrong',
    );
  });
});
