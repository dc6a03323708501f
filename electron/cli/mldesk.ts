import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { parseTokenSpec, type NamedToken } from '../core/http-auth.js';
import { registerLazily, type RegistrarLoaders } from './lazy-commands.js';
import { portNumber } from './port-option.js';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * Each command's module, loaded only when that command runs: importing them all costs ~0.8 s
 * (zod schemas, the store, bullmq, fastify…) on every `mldesk` start, which every CLI call and
 * every `mldesk serve` paid before. `--help` and unknown commands load them all.
 */
const COMMANDS: RegistrarLoaders = {
  data: async () => (await import('./data-command.js')).registerDataCommands,
  train: async () => (await import('./train-command.js')).registerTrainCommands,
  reproduce: async () => (await import('./train-command.js')).registerTrainCommands,
  monitor: async () => (await import('./monitor-command.js')).registerMonitorCommands,
  alerts: async () => (await import('./alerts-command.js')).registerAlertCommands,
  jobs: async () => (await import('./jobs-command.js')).registerJobCommands,
  drift: async () => (await import('./drift-command.js')).registerDriftCommand,
  models: async () => (await import('./models-command.js')).registerModelCommands,
  'serve-model': async () => (await import('./serve-model-command.js')).registerServeModelCommand,
  bundle: async () => (await import('./bundle-command.js')).registerBundleCommands,
  package: async () => (await import('./bundle-command.js')).registerPackageCommands,
  review: async () => (await import('./review-command.js')).registerReviewCommands,
  keys: async () => (await import('./keys-command.js')).registerKeysCommands,
  ct: async () => (await import('./pipeline-command.js')).registerPipelineCommands,
  pipeline: async () => (await import('./pipeline-command.js')).registerPipelineCommands,
  run: async () => (await import('./run-command.js')).registerRunCommand,
  worker: async () => (await import('./worker-command.js')).registerWorkerCommand,
  sweep: async () => (await import('./sweep-command.js')).registerSweepCommand,
};

async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const name = argv.slice(2).find((arg) => !arg.startsWith('-'));
  if (name === 'serve') return;
  if (name === undefined && argv.some((arg) => arg === '-v' || arg === '--version')) return;
  await registerLazily(program, COMMANDS, packageJson.version, argv, 0);
}

export async function buildCli(): Promise<Command> {
  const program = new Command('mldesk')
    .description('MLDesk: experiment tracking with lineage, an MLflow-compatible tracking server, and MLOps automation.')
    .version(packageJson.version, '-v, --version', 'print the MLDesk version')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('serve')
    .description(
      'Serve the MLflow-compatible tracking API (and the MLDesk UI) over HTTP. Point MLflow clients at it with ' +
        'MLFLOW_TRACKING_URI=http://HOST:PORT. Stops cleanly on Ctrl-C / SIGTERM.',
    )
    .option('--host <host>', 'address to bind; anything but loopback requires --token', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 picks a free port and prints it', portNumber, 5000)
    .option('--data-dir <dir>', 'directory holding the database and artifacts (default: $MLDESK_HOME, else the OS app-data folder)')
    .addOption(
      new Option(
        '--token <[name=]secret>',
        'bearer token a request must carry (Authorization: Bearer <secret>); repeat for several callers. The name (default "token") is recorded as who reviewed or moved an alias',
      )
        .env('MLDESK_TOKEN')
        .argParser((spec: string, previous: NamedToken[]) => [...previous, parseTokenSpec(spec)])
        .default([], 'none'),
    )
    .option('--redis <url>', 'run project jobs and sweep trials on BullMQ workers (`mldesk worker --redis URL --token ...`) instead of the local pool')
    .option('--queue <name>', 'with --redis: the BullMQ queue (the workers use the same)')
    .option('--advertise-url <url>', "with --redis: the tracking URL workers log into (default http://HOST:PORT; for 0.0.0.0 this machine's first external address)")
    .action(async (opts: { host: string; port: number; dataDir?: string; token: NamedToken[]; redis?: string; queue?: string; advertiseUrl?: string }) => {
      // Loaded on demand: other commands (data, train) should not pay for the server's start-up.
      const { loginUrl, ServeConfigError, startServer } = await import('./serve-command.js');
      let server;
      try {
        server = await startServer({ host: opts.host, port: opts.port, dataDir: opts.dataDir, tokens: opts.token, version: packageJson.version, redis: opts.redis, queue: opts.queue, advertiseUrl: opts.advertiseUrl });
      } catch (error) {
        if (error instanceof ServeConfigError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE' || (error as Error).name === 'NewerDatabaseError') {
          process.stderr.write(`mldesk serve: ${(error as Error).message}\n`);
          process.exit(2);
        }
        throw error;
      }
      process.stdout.write(`MLDesk listening on ${server.url}\n`);
      process.stdout.write(`Data directory: ${server.store.dataDir}\n`);
      if (server.queue) process.stdout.write(`Jobs go to BullMQ queue '${server.queue.name}'; workers log into ${server.queue.trackingUri}\n`);
      const [first] = opts.token;
      if (first) process.stdout.write(`Open the UI (logs in with token '${first.name}'): ${loginUrl(server.url, first)}\n`);
      for (const deployment of server.restoredDeployments) {
        process.stdout.write(
          deployment.state === 'failed'
            ? `Deployment ${deployment.model}@${deployment.alias}: ${deployment.error}\n`
            : `Restarting deployment ${deployment.model}@${deployment.alias} (saved by the last launch; stop it in the Models page)\n`,
        );
      }
      const shutdown = (signal: string) => {
        process.stdout.write(`Received ${signal}: finishing in-flight requests and closing the database...\n`);
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`mldesk serve: error while closing: ${(error as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });

  await registerCommands(program, process.argv);

  program.addHelpText(
    'after',
    `
Serve options (mldesk serve --help):
  --host <host>       address to bind (default 127.0.0.1); anything but loopback requires --token
  --port <port>       port (default 5000); 0 picks a free port and prints it
  --data-dir <dir>    database and artifacts directory (default $MLDESK_HOME, else the OS app-data folder)
  --token <[name=]secret>  bearer token required on every request (env MLDESK_TOKEN); repeatable,
                      the name is recorded as the caller's identity; browsers log in at /login

Example:
  mldesk serve --port 5000                            # in one terminal
  export MLFLOW_TRACKING_URI=http://127.0.0.1:5000    # in the shell that runs your MLflow code`,
  );
  return program;
}

await (await buildCli()).parseAsync(process.argv);
