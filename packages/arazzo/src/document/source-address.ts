/**
 * Which http(s) locations a source description may name. A document read from a public address (someone
 * else's document) must not make sluice read from this machine or its private network: loopback,
 * private, link-local and unique-local addresses, and `localhost`. A document the user has on disk or
 * fetched from an internal address may name them (a local mock, a staging API). The check is on the
 * literal host of each URL and of each redirect hop; names that resolve to internal addresses through
 * DNS are not looked up.
 */
import { BlockList, isIP } from "node:net";

const internal = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  internal.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  internal.addSubnet(network, prefix, "ipv6");
}

/** True when `url` is http(s) at this machine or a private network address. */
export function isInternalAddress(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 4) return internal.check(bare, "ipv4");
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare)?.[1] ?? mappedHex(bare);
  return mapped !== undefined ? internal.check(mapped, "ipv4") : internal.check(bare, "ipv6");
}

/** `::ffff:7f00:1` (how URL writes an IPv4-mapped address) as dotted IPv4. */
function mappedHex(host: string): string | undefined {
  const match = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!match) return undefined;
  const high = parseInt(match[1]!, 16);
  const low = parseInt(match[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** True when a document read from `referrer` may read `target` (see the module comment). */
export function mayReadFrom(referrer: string, target: string): boolean {
  if (!/^https?:/i.test(referrer) || isInternalAddress(referrer)) return true;
  return !isInternalAddress(target);
}
