import { create } from 'zustand';
import type { AliasChange, Deployment, ModelSummary, ModelVersionInfo, RegistrySettings } from '../../../../shared/app-api/models';
import { ApiError, call } from '../../api/app-client';

/** Server data of the Models list. The search text lives here so a refetch (an event) keeps it. */
interface ModelsListState {
  models: ModelSummary[];
  total: number;
  search: string;
  limit: number;
  loaded: boolean;
  error: string | null;
}

export const MODELS_PAGE = 100;
export const HISTORY_PAGE = 20;

export const useModelsList = create<ModelsListState>(() => ({ models: [], total: 0, search: '', limit: MODELS_PAGE, loaded: false, error: null }));

let latestList = 0;

/** Refetches the list for the current search; an answer overtaken by a newer request is dropped. */
export async function loadModels(): Promise<void> {
  const request = ++latestList;
  const { search, limit } = useModelsList.getState();
  try {
    const { models, total } = await call('models.list', { search: search || undefined, limit });
    if (request === latestList) useModelsList.setState({ models, total, loaded: true, error: null });
  } catch (error) {
    if (request === latestList) useModelsList.setState({ loaded: true, error: (error as Error).message });
  }
}

export function searchModels(search: string): void {
  useModelsList.setState({ search, limit: MODELS_PAGE });
  void loadModels();
}

export function showMoreModels(): void {
  useModelsList.setState((s) => ({ limit: s.limit + MODELS_PAGE }));
  void loadModels();
}

/** Server data of one model's page: the model, its versions, the alias trail and its deployments. */
interface ModelDetailState {
  name: string | null;
  model: ModelSummary | null;
  versions: ModelVersionInfo[];
  /** Registry-wide rules (four-eyes), shown on the model page. */
  settings: RegistrySettings | null;
  history: AliasChange[];
  historyTotal: number;
  historyLimit: number;
  deployments: Deployment[];
  notFound: boolean;
  error: string | null;
}

const EMPTY_DETAIL: ModelDetailState = { name: null, model: null, versions: [], settings: null, history: [], historyTotal: 0, historyLimit: HISTORY_PAGE, deployments: [], notFound: false, error: null };

export const useModelDetail = create<ModelDetailState>(() => EMPTY_DETAIL);

let latestDetail = 0;

/** Loads (or refetches) a model's page; switching models starts from empty so nothing of the last one shows. */
export async function loadModel(name: string): Promise<void> {
  const request = ++latestDetail;
  if (useModelDetail.getState().name !== name) useModelDetail.setState({ ...EMPTY_DETAIL, name });
  const { historyLimit } = useModelDetail.getState();
  try {
    const [{ model, versions, settings }, history, { deployments }] = await Promise.all([
      call('models.get', { name }),
      call('models.aliasHistory', { name, limit: historyLimit }),
      call('deployments.list', { model: name }),
    ]);
    if (request !== latestDetail) return;
    useModelDetail.setState({ model, versions, settings, history: history.entries, historyTotal: history.total, deployments, notFound: false, error: null });
  } catch (error) {
    if (request !== latestDetail) return;
    const notFound = error instanceof ApiError && error.code === 'RESOURCE_DOES_NOT_EXIST';
    useModelDetail.setState({ notFound, error: notFound ? null : (error as Error).message });
  }
}

export async function loadDeployments(name: string): Promise<void> {
  const { deployments } = await call('deployments.list', { model: name });
  if (useModelDetail.getState().name === name) useModelDetail.setState({ deployments });
}

export function showMoreHistory(name: string): void {
  useModelDetail.setState((s) => ({ historyLimit: s.historyLimit + HISTORY_PAGE }));
  void loadModel(name);
}

/** Each action refetches the page after it, so what is shown is what the server has. */
export async function reviewVersion(name: string, version: string, decision: 'approved' | 'rejected', comment: string): Promise<void> {
  await call('models.review', { name, version, decision, comment: comment.trim() || undefined });
  await loadModel(name);
}

export async function setFourEyes(name: string, fourEyes: boolean): Promise<void> {
  await call('models.updateSettings', { fourEyes });
  await loadModel(name);
}

export async function moveAlias(name: string, alias: string, version: string, reason: string): Promise<void> {
  await call('models.setAlias', { name, alias, version, reason });
  await loadModel(name);
}

export async function rollbackAlias(name: string, alias: string, reason: string): Promise<void> {
  await call('models.rollback', { name, alias, reason });
  await loadModel(name);
}

/** Without a port, the server takes the first free one from 8500. */
export async function startDeployment(model: string, alias: string, port: number | undefined): Promise<void> {
  await call('deployments.start', { model, alias, port });
  await loadDeployments(model);
}

export async function stopDeployment(model: string, id: string): Promise<void> {
  await call('deployments.stop', { id });
  await loadDeployments(model);
}
