import { InvalidArgumentError } from 'commander';

/** Parses a `--port` flag: 0-65535, where 0 picks a free port. */
export function portNumber(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`'${value}' is not a port number (0-65535; 0 picks a free port).`);
  }
  return port;
}
