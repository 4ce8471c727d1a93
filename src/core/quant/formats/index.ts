/**
 * The weight format registry: every rule of a weight format is found through WEIGHT_FORMATS, so a
 * new format is one file here plus its tensor quantizer in ../ste.ts (TENSOR_QUANTIZERS).
 */
import { z } from 'zod';
import { binaryFormat, type BinaryScheme } from './binary';
import { fixedFormat, type FixedScheme } from './fixed';
import { float32Format, type Float32Scheme } from './float32';
import { lightnnFormat, type LightnnScheme } from './lightnn';
import { minifloatFormatEntry, type MinifloatScheme } from './minifloat';
import { ternaryFormat, type TernaryScheme } from './ternary';
import type { WeightFormat } from './types';

export type { BinaryScheme, FixedScheme, Float32Scheme, LightnnScheme, MinifloatScheme, TernaryScheme };
export type { FormulaParts, Operand, WeightFormat } from './types';

export type WeightScheme = Float32Scheme | FixedScheme | MinifloatScheme | LightnnScheme | BinaryScheme | TernaryScheme;
export type WeightKind = WeightScheme['kind'];
export type SchemeOf<K extends WeightKind> = Extract<WeightScheme, { kind: K }>;

/** In the order the page shows the buttons. */
export const WEIGHT_FORMATS: { readonly [K in WeightKind]: WeightFormat<SchemeOf<K>> } = {
  float32: float32Format,
  fixed: fixedFormat,
  minifloat: minifloatFormatEntry,
  lightnn: lightnnFormat,
  binary: binaryFormat,
  ternary: ternaryFormat,
};

export const WEIGHT_KINDS = Object.keys(WEIGHT_FORMATS) as WeightKind[];

/** The format of a scheme, typed for that scheme. */
export function formatOf<S extends WeightScheme>(scheme: S): WeightFormat<S> {
  const format = (WEIGHT_FORMATS as Record<string, WeightFormat<WeightScheme> | undefined>)[scheme.kind];
  if (!format) throw new Error(`unknown weight scheme kind: ${JSON.stringify(scheme)}`);
  return format as unknown as WeightFormat<S>;
}

/** Evaluation uses one fixed quantized model: stochastic rounding becomes nearest there. */
export function evaluationScheme(scheme: WeightScheme): WeightScheme {
  return formatOf(scheme).evaluation?.(scheme) ?? scheme;
}

/** The zod schema of any weight scheme: the registry's schemas plus their cross-field checks. */
export const weightSchemeSchema = z
  .discriminatedUnion(
    'kind',
    WEIGHT_KINDS.map((kind) => WEIGHT_FORMATS[kind].schema) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]],
  )
  .superRefine((scheme, ctx) => {
    const typed = scheme as unknown as WeightScheme;
    const message = formatOf(typed).check?.(typed);
    if (message) ctx.addIssue({ code: 'custom', message });
  }) as unknown as z.ZodType<WeightScheme>;
