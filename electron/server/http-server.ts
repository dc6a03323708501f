import type { FastifyInstance } from 'fastify';
import { createAppHandlers } from '../api/app-handlers.js';
import { registerAppApiRoutes } from './app-api-routes.js';
import { registerExportRoutes } from './export-routes.js';
import { registerPackageRoutes } from './package-routes.js';
import { registerBundleRoutes } from './bundle-routes.js';
import { registerPredictionImportRoutes } from './prediction-import-routes.js';
import { registerAlertRoutes } from './alert-routes.js';
import { registerArtifactRoutes } from './mlflow/artifact-routes.js';
import { registerRegistryRoutes } from './mlflow/registry-routes.js';
import { registerTrackingRoutes } from './mlflow/tracking-routes.js';
import { buildBase, type ServerOptions } from './server-base.js';

export { buildUiServer, isLoopback, type ServerOptions, type UiServerOptions } from './server-base.js';

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = await buildBase(options, options.services.bundle);
  const { services } = options;
  registerTrackingRoutes(app, services.store);
  registerRegistryRoutes(app, services);
  registerAppApiRoutes(app, services.store, createAppHandlers(services));
  registerExportRoutes(app, services.store);
  registerPackageRoutes(app, services);
  registerBundleRoutes(app, services.store);
  registerPredictionImportRoutes(app, services);
  registerAlertRoutes(app, services);
  // Prediction servers started from the app live in this process: they stop before the database closes.
  app.addHook('onClose', () => services.deployments.stopAll());
  await registerArtifactRoutes(app, services.store);
  return app;
}
