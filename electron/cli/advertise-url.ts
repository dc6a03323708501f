import { InvalidArgumentError } from 'commander';
import { networkInterfaces } from 'node:os';

/**
 * The tracking URL BullMQ workers are told to log into. A controller bound to every address
 * (0.0.0.0, ::) cannot tell which of its addresses the workers reach, so it guesses the first
 * external one; --advertise-url says it outright (a DNS name, a proxy, a NAT address).
 */

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/** commander parser for --advertise-url: an http(s) origin (a path prefix is allowed), no credentials, no query. */
export function advertiseUrlOption(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a URL; expected http(s)://HOST:PORT.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`'${value}' must start with http:// or https://.`);
  if (url.username || url.password) throw new InvalidArgumentError('must not carry a user or password: workers authenticate with their own --token (MLDESK_TOKEN).');
  if (url.search || url.hash) throw new InvalidArgumentError(`'${value}' must not have a query or fragment.`);
  return url.href.replace(/\/+$/, '');
}

function bracketed(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** The first address other machines could reach this one by: IPv4 first, link-local IPv6 never (it needs a zone). */
export function externalAddress(): string | null {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined && !entry.internal);
  const v4 = addresses.find((entry) => entry!.family === 'IPv4');
  const v6 = addresses.find((entry) => entry!.family === 'IPv6' && !entry!.address.toLowerCase().startsWith('fe80:'));
  return (v4 ?? v6)?.address ?? null;
}

/** --advertise-url when given, else http://HOST:PORT of the bind (an external address for a wildcard bind; loopback when the machine has none). */
export function advertisedTrackingUrl(host: string, port: number, explicit: string | undefined): string {
  if (explicit) return explicit;
  const address = WILDCARD.has(host) ? (externalAddress() ?? '127.0.0.1') : host;
  return `http://${bracketed(address)}:${port}`;
}
