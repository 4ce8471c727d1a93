/**
 * E_min and auto bias for the minifloat format in use. The worker's layer summaries give them for
 * the IEEE top (top exponent code reserved); a top code that holds numbers ('fn' with M > 0, as
 * OCP E4M3FN, and 'finite') gives one more normal exponent, so both follow again from each
 * layer's e_max and e_min (exponentRangeOf, biasForTopExponent).
 */
import { biasForTopExponent, exponentRangeOf, nonNormalExponentCodes, type ExponentTop } from '../../core/quant/schemes';
import type { LayerSummary } from '../../worker/protocol';

/** The summaries with exponent.eMinBits and autoBias (for `exponentBits`, or E_min when null) for `format`'s top. */
export function summariesForFormat(layers: LayerSummary[], format: ExponentTop, exponentBits: number | null): LayerSummary[] {
  return layers.map((l) => {
    const exponent = exponentRangeOf(l.exponent.eMax, l.exponent.eMin, format);
    return { ...l, exponent, autoBias: exponentBits === null ? exponent.autoBias : biasForTopExponent(exponentBits, l.exponent.eMax, format) };
  });
}

/** The rule's two constants for `format`: E_min = ceil(log2(e_max - e_min + plus)), auto bias = 2^E - minus - e_max. */
export function exponentRuleConstants(format: ExponentTop): { plus: number; minus: number; topHoldsNumbers: boolean } {
  const k = nonNormalExponentCodes(format);
  return { plus: k + 1, minus: k, topHoldsNumbers: k === 1 };
}
