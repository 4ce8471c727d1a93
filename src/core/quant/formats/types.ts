/**
 * What a weight format is, in one place: its parameters (zod schema with ranges and defaults), its
 * pure quantizer, storage width, legal values, labels and formula for the page, and the operand
 * the cost model charges. Pure: no TF.js (the tensor quantizers live in ../ste.ts).
 */
import type { z } from 'zod';

/** The number format of one MAC operand, as the cost model (src/core/cost/estimate.ts) charges it. */
export type Operand =
  | { kind: 'float'; exponentBits: number; mantissaBits: number }
  | { kind: 'int'; bits: number }
  /** Sum of `terms` signed powers of two (LightNN). */
  | { kind: 'pow2'; terms: number }
  /** +-1 (binary weights or sign activations). */
  | { kind: 'sign' }
  /** -1, 0 or +1 (ternary weights): a sign with a zero that skips the add. */
  | { kind: 'ternary' };

export const FLOAT32_OPERAND: Operand = { kind: 'float', exponentBits: 8, mantissaBits: 23 };

/** The rule as KaTeX lines (each set in pieces at its top-level `,\ `) and what the hardware does. */
export interface FormulaParts {
  lines: string[];
  hardware: string;
}

export interface WeightFormat<S extends { kind: string }> {
  kind: S['kind'];
  /** Strict zod object of the scheme: the only place of the parameters' ranges. */
  schema: z.ZodType<S>;
  /** Cross-field checks zod's object cannot express (null when fine). */
  check?: (scheme: S) => string | null;
  /** Throws a clear Error when a parameter is out of range (same ranges as `schema`). */
  validate: (scheme: S) => void;
  /** What the kind starts with when picked in the page. */
  defaults: S;
  /** Optional parameters' values when absent: dropped by canonical forms. */
  optionalDefaults: Partial<S>;
  /** Drops parameters equal to their defaults, so the URL stays short and presets still match. */
  normalize?: (scheme: S) => S;
  /** True when `quantize` needs an rng (stochastic rounding). */
  needsRng?: (scheme: S) => boolean;
  /** The scheme evaluation uses (stochastic rounding becomes nearest). */
  evaluation?: (scheme: S) => S;
  /**
   * One layer's weights quantized; new array, scale taken from `values`; rng for stochastic rules;
   * `shape` the layer's weight shape (row-major, output channels last), needed by per-channel scales.
   */
  quantize: (values: Float32Array, scheme: S, rng?: () => number, shape?: readonly number[]) => Float32Array;
  /** Storage bits per weight. */
  bitsPerWeight: (scheme: S) => number;
  /** Sorted legal values when few enough to draw (scale-dependent ones need `values`), else null. */
  legalValues: (scheme: S, values?: Float32Array) => Float32Array | null;
  /** Quantizing a few values alone gives what they get inside the layer (no per-layer scale). */
  scaleFree: (scheme: S) => boolean;
  /** The button label in the page. */
  name: string;
  /** Short label of a setting, e.g. "fixed 4-bit". */
  describe: (scheme: S) => string;
  /** One sentence on what the format is, shown under the buttons. */
  description: string;
  formula: (scheme: S) => FormulaParts;
  /** The weight operand of a MAC in the cost model. */
  operand: (scheme: S) => Operand;
  /** A per-layer float scale, charged as one float32 multiply per output value. */
  scaled: (scheme: S) => boolean;
  /** Why the integer kernels refuse it, or null when they have a format for it. */
  kernelRefusal: string | null;
}
