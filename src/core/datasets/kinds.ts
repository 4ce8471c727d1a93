/**
 * The data sets the playground knows, as plain data: the `data` knob's values, each set's image
 * shape (what the models' input layer takes), sizes and class names. No imports, so models.ts,
 * config.ts and the loaders can all read it.
 */

export const DATASET_NAMES = ['mnist', 'fashion', 'cifar10', 'idx'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** One image: height x width x channels, stored HWC (channels last, as TF.js's conv2d takes it). */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export const MNIST_SHAPE: ImageShape = { height: 28, width: 28, channels: 1 };
export const CIFAR10_SHAPE: ImageShape = { height: 32, width: 32, channels: 3 };

/** Bytes (pixel values) of one image. */
export function pixelsPerImage(shape: ImageShape): number {
  return shape.height * shape.width * shape.channels;
}

export interface DatasetInfo {
  label: string;
  shape: ImageShape;
  /** Images in the full training and test sets (a user's IDX set may differ; it says how many it has). */
  trainCount: number;
  testCount: number;
  /** Default class names (the files may bring their own: CIFAR-10's batches.meta.txt). */
  classNames: readonly string[];
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const DATASETS: Record<DatasetName, DatasetInfo> = {
  mnist: { label: 'MNIST', shape: MNIST_SHAPE, trainCount: 60_000, testCount: 10_000, classNames: DIGITS },
  fashion: {
    label: 'Fashion-MNIST',
    shape: MNIST_SHAPE,
    trainCount: 60_000,
    testCount: 10_000,
    // The order of Zalando's labels 0..9 (fashion-mnist README).
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
  cifar10: {
    label: 'CIFAR-10',
    shape: CIFAR10_SHAPE,
    trainCount: 50_000,
    testCount: 10_000,
    // batches.meta.txt of the binary version, in label order.
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  },
  idx: { label: 'IDX set', shape: MNIST_SHAPE, trainCount: 60_000, testCount: 10_000, classNames: DIGITS },
};
