/**
 * The saved model: TF.js layers format (model.json + weights.bin), the fitted preprocessing, and a
 * signature describing the inputs a caller must send and the output it gets back. Saving goes
 * through a custom tf.io save handler that only hands back bytes, so nothing touches the network
 * or a tfjs file:// handler (which only exists with tfjs-node).
 */
import type { Sequential } from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter } from '../errors.js';
import type { Tf } from './backend.js';
import { inferencePass } from './mlp-model.js';
import { encodeRecords, isNumeric, type Preprocessing, type UnknownCategory } from './preprocessing.js';
import type { CellValue, ColumnType, Task } from './table.js';

export const MODEL_DIR = 'model';
export const MODEL_FILES = ['model.json', 'weights.bin', 'preprocessing.json', 'signature.json'] as const;

export interface SignatureInput {
  name: string;
  type: ColumnType;
  /** Missing values are imputed, so no input is strictly required. */
  imputedWith: number | string;
  categories?: string[];
  /** The range seen in training: values outside it are extrapolation, not an error. */
  range?: { min: number; max: number };
}

export interface ModelSignature {
  format: 'mldesk.signature';
  version: 1;
  template: string;
  inputs: SignatureInput[];
  ignoredColumns: string[];
  output: { name: string; task: Task; kind: 'probabilities' | 'value'; classes?: string[]; positiveClass?: string };
  unknownCategory: UnknownCategory;
}

export function signatureOf(prep: Preprocessing, template: string): ModelSignature {
  const classes = prep.target.classes;
  return {
    format: 'mldesk.signature',
    version: 1,
    template,
    inputs: prep.features.map((f) =>
      isNumeric(f)
        ? { name: f.name, type: f.type, imputedWith: f.median, range: { min: f.min, max: f.max } }
        : { name: f.name, type: f.type, imputedWith: f.mostFrequent, categories: f.categories },
    ),
    ignoredColumns: prep.ignoredColumns.map((c) => c.name),
    output: {
      name: prep.target.name,
      task: prep.target.task,
      kind: prep.target.task === 'classification' ? 'probabilities' : 'value',
      ...(classes ? { classes } : {}),
      ...(classes?.length === 2 ? { positiveClass: classes[1] } : {}),
    },
    unknownCategory: prep.unknownCategory,
  };
}

export interface ModelFile {
  /** Relative to the model directory. */
  path: (typeof MODEL_FILES)[number];
  bytes: Buffer;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');

/** The model's files as bytes; the caller decides where they go (run artifacts, a bundle...). */
export async function modelFiles(tf: Tf, model: Sequential, prep: Preprocessing, template: string): Promise<ModelFile[]> {
  let files: ModelFile[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      files = [
        { path: 'model.json', bytes: json(modelJson) },
        { path: 'weights.bin', bytes: weights },
      ];
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  return [...files, { path: 'preprocessing.json', bytes: json(prep) }, { path: 'signature.json', bytes: json(signatureOf(prep, template)) }];
}

export interface Prediction {
  /** Classification: the most likely class and every class's probability, in `classes` order. */
  label?: string;
  probabilities?: number[];
  /** Regression: the predicted value in the target's units. */
  value?: number;
}

export interface LoadedModel {
  model: Sequential;
  preprocessing: Preprocessing;
  signature: ModelSignature;
  /** Raw network outputs (probabilities or standardised values), row-major. */
  scores(records: Record<string, CellValue>[], unknown?: UnknownCategory): Float32Array;
  predict(records: Record<string, CellValue>[], unknown?: UnknownCategory): Prediction[];
  dispose(): void;
}

/** Loads a model directory written from modelFiles() (e.g. a run's artifacts/model). */
export async function loadModelDir(tf: Tf, dir: string): Promise<LoadedModel> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch (error) {
      throw invalidParameter(`${dir} is not an MLDesk model directory: cannot read ${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
  };
  const modelJson = JSON.parse((await read('model.json')).toString('utf8')) as { modelTopology: object; weightsManifest: { weights: never[] }[] };
  const weights = await read('weights.bin');
  const preprocessing = JSON.parse((await read('preprocessing.json')).toString('utf8')) as Preprocessing;
  const signature = JSON.parse((await read('signature.json')).toString('utf8')) as ModelSignature;
  const model = (await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  )) as Sequential;
  const classes = preprocessing.target.classes;
  const infer = inferencePass(tf, model);
  const scores = (records: Record<string, CellValue>[], unknown?: UnknownCategory): Float32Array => {
    const x = encodeRecords(preprocessing, records, unknown);
    const output = tf.tidy(() => infer(tf.tensor2d(x, [records.length, preprocessing.inputWidth])));
    const values = output.dataSync() as Float32Array;
    output.dispose();
    return values;
  };
  return {
    model,
    preprocessing,
    signature,
    scores,
    predict(records, unknown) {
      const out = scores(records, unknown);
      if (!classes) return Array.from(out, (s) => ({ value: s * preprocessing.target.std! + preprocessing.target.mean! }));
      // Plain loops: Array.from over a subarray and Math.max(...spread) cost more here than the network (profiled).
      const predictions: Prediction[] = new Array<Prediction>(records.length);
      const k = classes.length;
      for (let i = 0; i < records.length; i++) {
        let probabilities: number[];
        if (k === 2) probabilities = [1 - out[i]!, out[i]!];
        else {
          probabilities = new Array<number>(k);
          for (let j = 0; j < k; j++) probabilities[j] = out[i * k + j]!;
        }
        // The first of equal maxima, as indexOf(max) would pick.
        let best = 0;
        for (let j = 1; j < probabilities.length; j++) if (probabilities[j]! > probabilities[best]!) best = j;
        predictions[i] = { label: classes[best]!, probabilities };
      }
      return predictions;
    },
    dispose: () => model.dispose(),
  };
}
