/**
 * `mldesk serve-model NAME@ALIAS|NAME/VERSION`: serves one registered model version over HTTP with
 * TF Serving's REST API and MLflow's scoring protocol (see core/serving/prediction-server.ts).
 */
import { Option, type Command } from 'commander';
import type { TrackingStore } from '../core/store/tracking-store.js';
import { BACKEND_NAMES, type BackendName } from '../core/training/backend.js';
import { portNumber } from './port-option.js';

interface ServeModelFlags {
  host: string;
  port: number;
  dataDir?: string;
  backend?: BackendName;
  token?: string;
  predictionLog: boolean;
  package?: string;
  trust?: string;
}

export function registerServeModelCommand(program: Command): void {
  program
    .command('serve-model')
    .description(
      'Serve a registered model version for predictions: TF Serving REST (POST /v1/models/NAME[/versions/V|/labels/ALIAS]:predict) ' +
        'and MLflow scoring (POST /invocations, GET /ping). Every scored row is written to the prediction log before it is answered; ' +
        'ground truth goes to POST /v1/feedback; Prometheus metrics at GET /metrics. The version behind an alias follows the registry ' +
        'live. Stops cleanly on Ctrl-C / SIGTERM.',
    )
    .argument('[target]', 'NAME@ALIAS or NAME/VERSION of a registered model version (not with --package)')
    .option('--package <file>', 'serve a handoff package (.mldesk-package): verified, installed into the data dir (once), then served')
    .option('--trust <key>', 'with --package: refuse it unless signed by this key (fingerprint SHA256:… or base64 public key)')
    .option('--host <host>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free port and prints it', portNumber, 8500)
    .option('--data-dir <dir>', 'directory holding the database and artifacts (default: $MLDESK_HOME, else the OS app-data folder)')
    .addOption(new Option('--token <secret>', 'bearer token every request must carry (Authorization: Bearer <secret>); required off loopback').env('MLDESK_TOKEN'))
    .option('--no-prediction-log', 'do not log predictions (for comparisons only: monitoring and feedback need the log)')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (default: the fastest available)').choices([...BACKEND_NAMES]))
    .action(async (targetArg: string | undefined, flags: ServeModelFlags) => {
      // Loaded on demand: other commands should not pay for TF.js and the server.
      const [{ resolveDataDir }, { createServices }, { createPredictionServer }, { MLDeskError }] = await Promise.all([
        import('../core/data-dir.js'),
        import('../core/services.js'),
        import('../core/serving/prediction-server.js'),
        import('../core/errors.js'),
      ]);
      const { isLoopback } = await import('../core/http-auth.js');
      if (!isLoopback(flags.host) && !flags.token) {
        process.stderr.write(
          `mldesk serve-model: refusing to listen on ${flags.host} without a token: anyone who can reach it could score and read predictions. ` +
            'Pass --token <secret> (or set MLDESK_TOKEN), or bind to 127.0.0.1.\n',
        );
        process.exit(2);
      }
      // Loaded before the server listens: a SIGTERM right after the "listening" line must find the
      // handlers below in place (an import in between left a window where it killed the process).
      const { AlertLoop } = await import('../core/monitoring/alert-loop.js');
      const usage =
        targetArg !== undefined && flags.package !== undefined
          ? `name a model version (${targetArg}) or pass --package FILE, not both`
          : targetArg === undefined && flags.package === undefined
            ? 'name a model version (NAME@ALIAS or NAME/VERSION) or pass --package FILE'
            : flags.trust !== undefined && flags.package === undefined
              ? '--trust KEY only applies to --package FILE'
              : null;
      if (usage !== null) {
        process.stderr.write(`mldesk serve-model: ${usage}.\n`);
        process.exit(2);
      }
      let services;
      let server;
      try {
        services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
        const { store, registry } = services;
        const target = flags.package === undefined ? targetArg! : await installFromPackage(store, flags.package, flags.trust);
        server = await createPredictionServer({ store, registry, target, port: flags.port, host: flags.host, backend: flags.backend, token: flags.token, logPredictions: flags.predictionLog });
      } catch (error) {
        await services?.close();
        const { ArchiveError } = await import('../core/bundles/archive-reader.js');
        if (error instanceof ArchiveError) {
          process.stderr.write(`mldesk serve-model: refused ${flags.package}: ${error.message}\n`);
          process.exit(error.notAnArchive ? 2 : 1);
        }
        const known = error instanceof MLDeskError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE' || (error as Error).name === 'NewerDatabaseError';
        process.stderr.write(`mldesk serve-model: ${(error as Error).message}\n`);
        process.exit(known ? 2 : 1);
      }
      const openServices = services;
      // Alert webhooks go out even where no `mldesk serve` runs (a lease keeps two senders from doubling one).
      const alerts = new AlertLoop(services.store.db, services.events).start();
      const shutdown = (signal: string) => {
        process.stdout.write(`Received ${signal}: finishing in-flight requests...\n`);
        Promise.all([alerts.stop(), server.close()]).then(
          async () => {
            await openServices.close();
            process.exit(0);
          },
          (error: unknown) => {
            process.stderr.write(`mldesk serve-model: error while closing: ${(error as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.stdout.write(
        server.log ? 'Prediction log: on (every scored row is journaled before its answer).\n' : 'Prediction log: OFF (--no-prediction-log): predictions are not kept.\n',
      );
      process.stdout.write(`MLDesk model server for ${server.served.name} version ${server.served.version} listening on ${server.url}\n`);
    });
}

/** Verifies and installs the package (once per data dir), says who signed it, and returns what to serve. */
async function installFromPackage(store: TrackingStore, file: string, trust: string | undefined): Promise<string> {
  const { installPackage } = await import('../core/bundles/package-install.js');
  const done = await installPackage(store, file, { trust });
  const { signer } = done;
  process.stdout.write(
    `Package ${file}: ${done.meta.model} version ${done.meta.version}, signature and every hash checked, signed by ${signer.name} (${signer.fingerprint}); ` +
      `${done.installed ? 'installed into the data dir' : 'already installed here, nothing changed'}.\n`,
  );
  if (!done.trusted) {
    process.stderr.write(
      `mldesk serve-model: warning: the package is signed by ${signer.name} with key ${signer.fingerprint}, which this installation does not trust. ` +
        `Check the fingerprint with its author; pass --trust ${signer.fingerprint} to require that key.\n`,
    );
  }
  return done.target;
}
