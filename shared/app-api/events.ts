import type { JobKind, JobStatus } from '../automation.js';
import type { TrainingJob } from './training.js';
import type { BundleExportEvent } from './bundles.js';

/** Push events from main to the renderer (over IPC in Electron, server-sent events over HTTP). */
export interface AppEvents {
  'run.changed': { runId: string; experimentId: string };
  'metrics.logged': { runId: string; experimentId: string; keys: string[] };
  'experiments.changed': Record<string, never>;
  /** A training job started by this app: progress, ETA and latest metrics, then its end. */
  'training.progress': TrainingJob;
  /** A registered model changed through the app (review, alias move, new version): refetch it. */
  'models.changed': { name: string };
  /** A prediction server the app runs started, failed or stopped: refetch deployments.list. */
  'deployments.changed': { id: string; model: string };
  /** An alert fired or resolved (in this process or another writing the same database). */
  'alerts.changed': { id: string; model: string; version: string | null; state: 'firing' | 'resolved'; message: string };
  /** A bundle export started from the app: progress, then done (with its download link) or failed. */
  'bundles.exportProgress': BundleExportEvent;
  /** A job was queued, started, logged output or ended (in this process): refetch jobs.list / jobs.get. */
  'jobs.changed': { id: string; status: JobStatus; kind: JobKind; parentId: string | null };
}
export type AppEventName = keyof AppEvents;
export type AppEvent = { [K in AppEventName]: { type: K; payload: AppEvents[K] } }[AppEventName];
export const APP_EVENT_NAMES: AppEventName[] = ['run.changed', 'metrics.logged', 'experiments.changed', 'training.progress', 'models.changed', 'deployments.changed', 'alerts.changed', 'bundles.exportProgress', 'jobs.changed'];
