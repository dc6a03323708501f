import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolveDataDir } from '../core/data-dir.js';
import type { ArtifactCheck } from '../core/bundles/open-bundle.js';
import { portNumber } from './port-option.js';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

interface OpenOptions {
  port: number;
  dataDir?: string;
  checkArtifacts: ArtifactCheck;
}

/** `mldesk bundle open FILE [--port N] [--data-dir HOME]`: the bundle read-only in the UI and over MLflow REST (issue 14). */
export function registerBundleOpen(parent: Command): void {
  parent
    .command('open')
    .description(
      "Show a bundle read-only: the same UI and MLflow REST API as `mldesk serve`, on 127.0.0.1, over a private copy of the bundle's store " +
        '(your own data dir is not touched; writes answer 403 PERMISSION_DENIED). Exits 1 if the bundle fails its checks (naming the entry), 2 if the file is not a bundle.',
    )
    .argument('<file>', 'the .mldesk bundle')
    .option('--port <port>', 'port to listen on; 0 picks a free port and prints it', portNumber, 5000)
    .option('--data-dir <dir>', 'your own data directory, for your trusted keys (default: $MLDESK_HOME, else the OS app-data folder); only read')
    .addOption(
      new Option('--check-artifacts <when>', "when artifact hashes are checked: 'in-background' (the runs show at once; a bad artifact is refused on its own) or 'before-serving' (a bad artifact refuses the bundle)")
        .choices(['in-background', 'before-serving'])
        .default('in-background'),
    )
    .action(async (file: string, opts: OpenOptions) => {
      // Copying and hashing store.sqlite (a worker thread, the other core) starts first, before the zip,
      // schema and server modules load on this thread; openBundle uses the copy once the signed manifest vouches for it.
      // (startBundleServer would start it too, but only once its own modules had loaded.)
      const { startEarlyOpening } = await import('../core/bundles/early-store-copy.js');
      const earlyOpening = await startEarlyOpening(file);
      const homeDataDir = resolveDataDir(opts.dataDir);
      // A closed pipe (`mldesk bundle open F | head -1`) must not crash the server and leave its temp copy behind.
      for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
      // A Ctrl-C while the bundle is still opening waits for it, so its temp copy is removed too.
      let stopping: string | null = null;
      const stopEarly = (signal: string) => {
        stopping = signal;
      };
      process.once('SIGINT', stopEarly);
      process.once('SIGTERM', stopEarly);
      let server;
      try {
        const { startBundleServer } = await import('../server/bundle-server.js');
        server = await startBundleServer({
          file,
          homeDataDir,
          port: opts.port,
          version: packageJson.version,
          artifactCheck: opts.checkArtifacts,
          earlyOpening,
          // The page can load from now on; its API calls are answered once the bundle is open (the lines below).
          onListening: (url) => process.stdout.write(`MLDesk listening on ${url}\n`),
        });
      } catch (error) {
        const { BundleOpenError } = await import('../core/bundles/bundle-open.js');
        if (error instanceof BundleOpenError) {
          process.stderr.write(`mldesk bundle open: ${file}: ${error.message}\n`);
          process.exit(error.notABundle ? 2 : 1);
        }
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          process.stderr.write(`mldesk bundle open: ${(error as Error).message}\n`);
          process.exit(2);
        }
        throw error;
      } finally {
        process.off('SIGINT', stopEarly);
        process.off('SIGTERM', stopEarly);
      }
      const { context } = server.bundle;
      const signer = context.manifest.signer;
      const trust = context.verification.trusted ? `trusted as '${context.verification.trustedName}'` : 'not in your trusted keys';
      process.stdout.write(`Bundle: ${context.file} (read-only), signed by ${signer.name} ${signer.fingerprint}, ${trust}\n`);
      process.stdout.write(
        opts.checkArtifacts === 'before-serving'
          ? 'Integrity: signature and every entry verified\n'
          : 'Integrity: signature and store verified; artifacts checked in the background and as they are opened\n',
      );
      // Reported once the server's own delayed check is done: asking for it here would start it at once,
      // while the browser is loading the first page (it cost that page ~0.5 s of CPU).
      void server.backgroundCheck.then(() => {
        const problem = context.verification.problem;
        if (problem) process.stderr.write(`mldesk bundle open: integrity check failed: ${problem.message} (that entry is not served)\n`);
      });
      const shutdown = (signal: string) => {
        process.stdout.write(`Received ${signal}: closing the bundle and removing its temporary copy...\n`);
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`mldesk bundle open: error while closing: ${(error as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      if (stopping !== null) return shutdown(stopping);
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
}
