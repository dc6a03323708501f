/** MLflow's REST limits (mlflow/utils/validation.py, 2.x), enforced the same way here. */
export const LIMITS = {
  maxKeyLength: 250,
  maxParamValueLength: 6000,
  maxTagValueLength: 5000,
  maxEntityKeyLength: 250,
  maxExperimentNameLength: 500,
  batchMaxItems: 1000,
  batchMaxMetrics: 1000,
  batchMaxParams: 100,
  batchMaxTags: 100,
  batchMaxBodyBytes: 1024 * 1024,
  searchMaxResults: 50_000,
  searchDefaultMaxResults: 1000,
  experimentSearchMaxResults: 50_000,
  experimentSearchDefaultMaxResults: 1000,
  maxDatasetsPerCall: 1000,
  maxDatasetNameLength: 500,
  maxDatasetDigestLength: 36,
  maxDatasetSchemaLength: 1_048_576,
  maxDatasetProfileLength: 16_384,
  maxRunNameLength: 250,
  maxDatasetSourceLength: 65_535,
} as const;

/** Length in code points, as MLflow (Python's len) counts it; UTF-16 would count emoji twice. */
export function textLength(text: string): number {
  let surrogatePairs = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) surrogatePairs++;
  }
  return text.length - surrogatePairs;
}

const KEY_PATTERN = /^[\p{L}\p{N}_\-. /:]+$/u;

/** Returns an error message for an invalid metric/param/tag key, or null when it is valid. */
export function keyProblem(kind: 'metric' | 'param' | 'tag', key: string): string | null {
  if (key.length === 0) return `Invalid ${kind} name: '' (it cannot be empty).`;
  if (textLength(key) > LIMITS.maxKeyLength) {
    return `${kind[0]!.toUpperCase()}${kind.slice(1)} key '${key.slice(0, 40)}...' had length ${textLength(key)}, which exceeded length limit of ${LIMITS.maxKeyLength}.`;
  }
  if (!KEY_PATTERN.test(key)) {
    return `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`;
  }
  if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.')) {
    return `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`;
  }
  return null;
}
