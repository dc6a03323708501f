import { DATASET_NAME_PATTERN } from '../../../../shared/datasets';

// The same naming rule as `mldesk data import`, kept in shared/.
export { datasetNameFromFile } from '../../../../shared/datasets';

/** What the upload box checks and derives before a file's text is sent with `datasets.upload`. */

/** The server tells the format from the extension: these are the ones it reads. */
export const UPLOAD_EXTENSIONS = ['.csv', '.jsonl', '.ndjson'] as const;
/** The contract's limit on `datasets.upload` content. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** A reason the file cannot be uploaded as it is, or null. */
export function fileProblem(file: { name: string; size: number }): string | null {
  const lower = file.name.toLowerCase();
  if (!UPLOAD_EXTENSIONS.some((ext) => lower.endsWith(ext))) {
    return `${file.name}: MLDesk reads .csv (comma-separated with a header row) and .jsonl/.ndjson (one JSON object per line) files.`;
  }
  if (file.size === 0) return `${file.name}: the file is empty.`;
  if (file.size > MAX_UPLOAD_BYTES) return `${file.name}: the file is larger than 64 MB; import it with \`mldesk data import\` instead.`;
  return null;
}

export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'Dataset name is required.';
  if (!DATASET_NAME_PATTERN.test(name)) return 'Dataset name must start with a letter or digit and hold only letters, digits, “.”, “_” or “-” (at most 128 characters).';
  return null;
}

/**
 * The server imports an upload from a temporary copy, and its messages name that copy's path;
 * the user only knows the file they picked.
 */
export function uploadErrorMessage(message: string, fileName: string): string {
  return message.replace(/(?:[A-Za-z]:)?[^\s'"]*mldesk-upload-[^\\/\s]+[\\/]([^:\s]+)/g, (_, base: string) => base || fileName);
}

/** Reads a File as text, reporting the share read so far (large files take a moment). */
export function readFileText(file: Blob, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(new Error(`Could not read the file: ${reader.error?.message ?? 'unknown error'}.`));
    reader.readAsText(file);
  });
}
