import type { Command } from 'commander';

/** Registers one command (and its options) on its parent; heavy modules load in its action. */
export type Registrar = (parent: Command, version: string) => void | Promise<void>;
export type RegistrarLoaders = Record<string, () => Promise<Registrar>>;

/** The words of argv that are not options: ['bundle', 'open', 'FILE'] for `mldesk bundle open FILE --port 0`. */
function words(argv: readonly string[]): string[] {
  return argv.slice(2).filter((arg) => !arg.startsWith('-'));
}

/**
 * Loads and registers only the command argv asks for (at `depth`: 0 for `mldesk X`, 1 for
 * `mldesk bundle X`), or every one of them for help, a typo or no command: each command's module
 * imports what its action needs, and loading all of them costs most of a second on every start.
 */
export async function registerLazily(parent: Command, loaders: RegistrarLoaders, version: string, argv: readonly string[], depth: number): Promise<void> {
  const wanted = words(argv)[depth];
  const chosen = wanted !== undefined && wanted !== 'help' && Object.hasOwn(loaders, wanted) ? [loaders[wanted]!] : Object.values(loaders);
  const registrars = await Promise.all(chosen.map((load) => load()));
  // Several names may share one registrar (train/reproduce): register each once, in table order.
  for (const register of new Set(registrars)) await register(parent, version);
}
