import { z } from 'zod';
import { FLOAT32_OPERAND, type WeightFormat } from './types';

export interface Float32Scheme {
  kind: 'float32';
}

export const float32Format: WeightFormat<Float32Scheme> = {
  kind: 'float32',
  schema: z.strictObject({ kind: z.literal('float32') }),
  validate: () => {},
  defaults: { kind: 'float32' },
  optionalDefaults: {},
  quantize: (values) => Float32Array.from(values),
  bitsPerWeight: () => 32,
  legalValues: () => null,
  scaleFree: () => false,
  name: 'float32',
  describe: () => 'float32',
  description: 'Ordinary 32-bit floats: no quantization, the reference.',
  formula: () => ({
    lines: [String.raw`w=(-1)^s\,2^{e-127}\,(1.m),\ e\text{: 8 bits},\ m\text{: 23 bits}`],
    hardware: 'Hardware: a 32-bit float multiplier per weight.',
  }),
  operand: () => FLOAT32_OPERAND,
  scaled: () => false,
  kernelRefusal: 'stay float: the integer kernels need LightNN-K, fixed 2..8-bit or binary weights',
};
