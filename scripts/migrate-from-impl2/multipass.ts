import { spawnSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { z } from 'zod';

/** The part of `multipass info NAME --format json` this tool reads; other fields are ignored. */
const infoSchema = z.object({
  errors: z.array(z.unknown()).default([]),
  info: z.record(
    z.string(),
    z.object({
      state: z.string(),
      ipv4: z.array(z.string()).default([]),
      release: z.string().optional(),
    }),
  ),
});

const listSchema = z.object({
  list: z.array(
    z.object({ name: z.string(), state: z.string(), ipv4: z.array(z.string()).default([]) }),
  ),
});

export type VmInfo = { name: string; state: string; ipv4: string[]; release?: string };

export class MultipassError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

function runMultipass(args: string[]): string {
  const result = spawnSync('multipass', args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error) {
    throw new MultipassError(
      'the multipass command is not installed or not on PATH',
      'install Multipass, or pass --from-database-url/--from-redis-url with the VM’s IP instead of --vm',
    );
  }
  if (result.status !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n')[0] ?? '';
    throw new MultipassError(
      `multipass ${args[0]} failed: ${detail}`,
      '`multipass list` shows the instance names and states',
    );
  }
  return result.stdout;
}

export function vmInfo(name: string): VmInfo {
  const parsed = infoSchema.safeParse(safeJson(runMultipass(['info', name, '--format', 'json'])));
  const entry = parsed.success ? parsed.data.info[name] : undefined;
  if (!entry) {
    throw new MultipassError(
      `multipass info ${name} answered in a shape this tool does not know`,
      'pass --from-database-url/--from-redis-url with the VM’s IP instead of --vm',
    );
  }
  return { name, ...entry };
}

/** The VM whose addresses include `ip`, when multipass is installed; used for --remove-vm. */
export function vmByAddress(ip: string): string | undefined {
  try {
    const parsed = listSchema.safeParse(safeJson(runMultipass(['list', '--format', 'json'])));
    if (!parsed.success) return undefined;
    return parsed.data.list.find((vm) => vm.ipv4.includes(ip))?.name;
  } catch {
    return undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

type HostAddress = { address: string; netmask: string; iface: string };

export function hostAddresses(): HostAddress[] {
  return Object.entries(networkInterfaces()).flatMap(([iface, list]) =>
    (list ?? [])
      .filter((a) => a.family === 'IPv4')
      .map((a) => ({ address: a.address, netmask: a.netmask, iface })),
  );
}

const toInt = (ip: string) =>
  ip.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);

function inSubnet(ip: string, network: string, mask: string): boolean {
  return (toInt(ip) & toInt(mask)) >>> 0 === (toInt(network) & toInt(mask)) >>> 0;
}

// Docker's default bridge (172.17.0.0/16) and the pool it gives further networks such as
// Coolify's `coolify` network come from 172.16.0.0/12.
const isDockerPool = (ip: string) => inSubnet(ip, '172.16.0.0', '255.240.0.0');

/**
 * `ipv4` lists every global address inside the VM, Docker's and Coolify's bridges included, so the
 * first entry is not always the one the host can reach. Prefer the address on a subnet the host
 * itself has an interface on (the Multipass bridge), ignoring the host's own Docker bridges; then
 * the first address outside Docker's 172.16/12 pool; then the first one.
 */
export function pickVmAddress(
  ipv4: string[],
  host: HostAddress[] = hostAddresses(),
): string | undefined {
  const hostNets = host.filter((h) => !/^(docker|br-|veth)/.test(h.iface));
  const shared = ipv4.find((ip) => hostNets.some((h) => inSubnet(ip, h.address, h.netmask)));
  return shared ?? ipv4.find((ip) => !isDockerPool(ip)) ?? ipv4[0];
}
