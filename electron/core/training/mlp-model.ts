/**
 * The MLP template for tabular data: dense hidden layers (optionally each followed by dropout) and
 * an output layer that fits the task: sigmoid + binary cross-entropy for two classes, softmax +
 * categorical cross-entropy for more, linear + mean squared error for regression.
 */
import type { Rank, Sequential, Tensor } from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import type { Hyperparameters } from './hyperparams.js';
import type { SeededRandom } from './prng.js';
import type { Task } from './table.js';

export type Head = 'binary' | 'multiclass' | 'regression';

export function headOf(task: Task, classes: number): Head {
  if (task === 'regression') return 'regression';
  return classes === 2 ? 'binary' : 'multiclass';
}

export const outputUnits = (head: Head, classes: number) => (head === 'multiclass' ? classes : 1);

/**
 * Builds the network with seeded Glorot-uniform kernels (Keras's default, but with a seed so the
 * initial weights do not come from Math.random) and zero biases.
 */
export function buildMlp(tf: Tf, inputWidth: number, head: Head, classes: number, hp: Hyperparameters, random: SeededRandom): Sequential {
  const model = tf.sequential({ name: 'mldesk_mlp' });
  hp.hiddenUnits.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        name: `hidden_${i + 1}`,
        units,
        activation: hp.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: random.nextUint32() }),
        ...(i === 0 ? { inputShape: [inputWidth] } : {}),
      }),
    );
    if (hp.dropout > 0) model.add(tf.layers.dropout({ name: `dropout_${i + 1}`, rate: hp.dropout }));
  });
  model.add(
    tf.layers.dense({
      name: 'output',
      units: outputUnits(head, classes),
      activation: head === 'binary' ? 'sigmoid' : head === 'multiclass' ? 'softmax' : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: random.nextUint32() }),
      ...(hp.hiddenUnits.length === 0 ? { inputShape: [inputWidth] } : {}),
    }),
  );
  return model;
}

/**
 * The forward pass. In training, dropout masks are drawn with a seed from `random` for every
 * batch: tfjs's Dropout layer would use either Math.random or one fixed seed (the same mask on
 * every batch), neither of which gives reproducible, properly random dropout.
 *
 * Dense layers skip `layer.apply`: in training they go through `denseForTraining` (the same
 * x·W + b with a gradient that transposes explicitly, see there); in inference through the fused
 * kernel Dense.call itself uses, so a reloaded model predicts exactly what the layers API would.
 */
export function forward(tf: Tf, model: Sequential, x: Tensor, training: boolean, random?: SeededRandom): Tensor {
  if (!training) return inferencePass(tf, model)(x);
  let h: Tensor = x;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'Dropout') {
      h = tf.dropout(h, (layer.getConfig() as { rate: number }).rate, undefined, random!.nextUint32());
      continue;
    }
    if (layer.getClassName() !== 'Dense') {
      h = layer.apply(h) as Tensor;
      continue;
    }
    const [kernel, bias] = layer.trainableWeights.map((w) => w.read());
    const activation = (layer.getConfig() as { activation: string }).activation;
    h = activate(tf, activation, denseForTraining(tf)(h, kernel!, bias!));
  }
  return h;
}

/**
 * What Dense.call computes, minus the layers machinery (symbolic checks, name scopes) that costs
 * more than the arithmetic for a few rows: the prediction server's hot path.
 */
function denseInference(tf: Tf, h: Tensor, kernel: Tensor, bias: Tensor, activation: string): Tensor {
  if (FUSABLE.has(activation)) return tf.fused.matMul({ a: h, b: kernel, bias, activation: activation as 'relu' });
  // Dense.call too multiplies and adds the bias in one kernel, then applies the activation.
  return activate(tf, activation, tf.fused.matMul({ a: h, b: kernel, bias }));
}

/**
 * The inference forward pass, with the walk over the layers done once: which layers are dense,
 * their weight variables and activations (getConfig builds the whole layer config each call,
 * which profiled as a good share of a small batch's prediction). Weights are read at each call.
 */
export function inferencePass(tf: Tf, model: Sequential): (x: Tensor) => Tensor {
  const steps = model.layers
    .filter((layer) => layer.getClassName() !== 'Dropout')
    .map((layer): ((h: Tensor) => Tensor) => {
      if (layer.getClassName() !== 'Dense') return (h) => layer.apply(h) as Tensor;
      const [kernel, bias] = layer.trainableWeights;
      const activation = (layer.getConfig() as { activation: string }).activation;
      return (h) => denseInference(tf, h, kernel!.read(), bias!.read(), activation);
    });
  return (x) => steps.reduce((h, step) => step(h), x);
}

/** The activations Dense.call fuses into the matmul kernel; the others it applies after adding the bias. */
const FUSABLE = new Set(['linear', 'relu', 'elu']);

type DenseOp = (x: Tensor, kernel: Tensor, bias: Tensor) => Tensor;
const denseOps = new WeakMap<Tf, DenseOp>();

/**
 * x·W + b with a hand-written gradient. TF.js's own MatMul gradient asks the kernel for x^T·dy
 * and dy·W^T through the transpose flags, and the wasm backend runs transposed products outside
 * XNNPACK, about ten times slower than a plain one (64×256·256×64: 0.9 ms against 0.09 ms here).
 * Transposing first and multiplying plainly gives the same sums and more than halves a training step.
 */
function denseForTraining(tf: Tf): DenseOp {
  let op = denseOps.get(tf);
  if (!op) {
    op = tf.customGrad((...args: unknown[]) => {
      const [x, kernel, bias, save] = args as [Tensor, Tensor, Tensor, (tensors: Tensor[]) => void];
      save([x, kernel]);
      return {
        value: tf.add(tf.matMul(x, kernel), bias),
        gradFunc: (dy, saved) => {
          const [input, weights] = saved as [Tensor, Tensor];
          const grad = dy as Tensor;
          return [tf.matMul(grad, tf.transpose(weights)), tf.matMul(tf.transpose(input), grad), tf.sum(grad, 0)];
        },
      };
    }) as unknown as DenseOp;
    denseOps.set(tf, op);
  }
  return op;
}

/** The activations a Dense layer of this template can carry, as tfjs-layers defines them. */
function activate(tf: Tf, name: string, h: Tensor): Tensor {
  switch (name) {
    case 'linear':
      return h;
    case 'relu':
      return tf.relu(h);
    case 'elu':
      return tf.elu(h);
    case 'selu':
      return tf.selu(h);
    case 'tanh':
      return tf.tanh(h);
    case 'sigmoid':
      return tf.sigmoid(h);
    case 'softmax':
      return tf.softmax(h);
    case 'swish':
      return tf.mul(tf.sigmoid(h), h);
    default:
      throw new Error(`No training path for the activation '${name}'.`);
  }
}

/** The data loss, averaged over the batch, with Keras's clipping for the cross-entropies. */
export function dataLoss(tf: Tf, head: Head, yTrue: Tensor, yPred: Tensor): Tensor<Rank.R0> {
  if (head === 'binary') return tf.mean(tf.metrics.binaryCrossentropy(yTrue, yPred));
  if (head === 'multiclass') return tf.mean(tf.metrics.categoricalCrossentropy(yTrue, yPred));
  return tf.losses.meanSquaredError(yTrue, yPred) as Tensor<Rank.R0>;
}

/** L2 penalty on the kernels (not the biases), as Keras's kernel_regularizer=l2(l2) adds it. */
export function l2Penalty(tf: Tf, model: Sequential, l2: number): Tensor<Rank.R0> | null {
  if (l2 === 0) return null;
  const kernels = model.trainableWeights.filter((w) => w.originalName.endsWith('/kernel')).map((w) => w.read());
  return tf.mul(l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k))))) as Tensor<Rank.R0>;
}

export function makeOptimizer(tf: Tf, hp: Hyperparameters) {
  switch (hp.optimizer) {
    case 'sgd':
      return tf.train.sgd(hp.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(hp.learningRate);
    case 'adagrad':
      return tf.train.adagrad(hp.learningRate);
    default:
      return tf.train.adam(hp.learningRate);
  }
}
