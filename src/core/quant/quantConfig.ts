/**
 * The quantization keys of a config and the pure rules on them, in a TF.js-free module so the
 * page can use the same rules as the worker.
 */
import type { Config, LayerOverride } from '../config';
import { WEIGHT_FORMATS, type WeightScheme } from './formats';
import type { ActivationScheme } from './schemes';

export interface QuantConfig {
  weights: WeightScheme;
  activations: ActivationScheme;
  inputBits: number;
  layers: LayerOverride[];
}

export function quantOf(config: Pick<Config, 'weights' | 'activations' | 'inputBits' | 'layers'>): QuantConfig {
  return { weights: config.weights, activations: config.activations, inputBits: config.inputBits, layers: config.layers };
}

/** The scheme of weight layer `index` of `count`: the last matching override wins (-1 = last layer). */
export function schemeForLayer(q: Pick<QuantConfig, 'weights' | 'layers'>, index: number, count: number): WeightScheme {
  let scheme = q.weights;
  for (const o of q.layers) {
    const target = o.layer < 0 ? count + o.layer : o.layer;
    if (target === index) scheme = o.scheme;
  }
  return scheme;
}

export function isFloatConfig(q: QuantConfig): boolean {
  return (
    q.inputBits >= 8 &&
    q.activations.kind === 'relu' &&
    q.activations.bits === undefined &&
    q.weights.kind === 'float32' &&
    q.layers.every((o) => o.scheme.kind === 'float32')
  );
}

const SCHEME_DEFAULTS = WEIGHT_FORMATS as Record<string, { optionalDefaults: Record<string, unknown> } | undefined>;

/** A scheme without parameters that equal their defaults, keys sorted: equal meaning, equal text. */
export function canonicalScheme(scheme: object): string {
  const s = scheme as Record<string, unknown>;
  const defaults = SCHEME_DEFAULTS[String(s.kind)]?.optionalDefaults ?? {};
  const entries = Object.entries(s)
    .filter(([k, v]) => v !== undefined && defaults[k] !== v)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(Object.fromEntries(entries));
}
