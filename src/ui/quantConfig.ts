/**
 * The quantization part of a config, as the page needs it: per-layer schemes, storage, presets and
 * the convenience overrides. TF.js-free (the core's quantOf and schemeForLayer live in modules
 * that import TF.js, which the page must not load), so the two small rules are restated here.
 */
import type { Config, LayerOverride } from '../core/config';
import { architecture, biasCount, isWeightLayer, weightCount, type WeightLayer } from '../core/models';
import { bitsPerWeight, defaultMinifloatBias, describeScheme, type ActivationScheme, type WeightScheme } from '../core/quant/schemes';
import type { QuantConfig } from '../worker/protocol';

export type SchemeKind = WeightScheme['kind'];
export type QuantKeys = Pick<Config, 'weights' | 'activations' | 'inputBits' | 'layers'>;

/** Same as the core's quantOf (experiment.ts). */
export function quantOfConfig(config: QuantKeys): QuantConfig {
  return { weights: config.weights, activations: config.activations, inputBits: config.inputBits, layers: config.layers };
}

/** Identifies a quantization setting; configs come out of the zod schema, so key order is stable. */
export function quantKey(config: QuantKeys): string {
  return JSON.stringify(quantOfConfig(config));
}

/** Same rule as the core's schemeForLayer: the last matching override wins, -1 is the last layer. */
export function schemeForLayer(config: QuantKeys, index: number, count: number): WeightScheme {
  let scheme = config.weights;
  for (const o of config.layers) {
    if ((o.layer < 0 ? count + o.layer : o.layer) === index) scheme = o.scheme;
  }
  return scheme;
}

export function weightLayersOf(config: Pick<Config, 'model' | 'hidden'>): WeightLayer[] {
  return architecture(config).filter(isWeightLayer);
}

/** Storage of weights and biases at each layer's bits per weight, as seed 003 counts it. */
export function storageOf(config: Config): { bits: number; parameters: number; mixed: boolean; bitsPerWeight: number } {
  const layers = weightLayersOf(config);
  let bits = 0;
  let parameters = 0;
  const widths = new Set<number>();
  layers.forEach((layer, i) => {
    const width = bitsPerWeight(schemeForLayer(config, i, layers.length));
    const count = weightCount(layer) + biasCount(layer);
    widths.add(width);
    bits += count * width;
    parameters += count;
  });
  return { bits, parameters, mixed: widths.size > 1, bitsPerWeight: bits / parameters };
}

/** What a kind starts with when picked in the page. */
export function defaultScheme(kind: SchemeKind): WeightScheme {
  switch (kind) {
    case 'float32':
      return { kind };
    case 'fixed':
      return { kind, bits: 8 };
    case 'minifloat':
      return { kind, exponentBits: 4, mantissaBits: 3 };
    case 'lightnn':
      return { kind, k: 2 };
    case 'binary':
      return { kind, scale: 'none' };
  }
}

/**
 * Drops parameters equal to their defaults, so the URL stays short and a scheme set by hand
 * still matches a preset (matchPreset compares JSON).
 */
export function normalizeScheme(scheme: WeightScheme): WeightScheme {
  switch (scheme.kind) {
    case 'minifloat': {
      const { bias, subnormals, ...rest } = scheme;
      return {
        ...rest,
        ...(bias !== undefined && bias !== defaultMinifloatBias(scheme.exponentBits) ? { bias } : {}),
        ...(subnormals === false ? { subnormals } : {}),
      };
    }
    case 'lightnn': {
      const { rounding, allowZero, ...rest } = scheme;
      return { ...rest, ...(rounding === 'stochastic' ? { rounding } : {}), ...(allowZero ? { allowZero } : {}) };
    }
    default:
      return scheme;
  }
}

export type ActivationChoice = 'relu' | 'relu-fixed' | 'sign';

export function activationChoice(a: ActivationScheme): ActivationChoice {
  return a.kind === 'sign' ? 'sign' : a.bits === undefined ? 'relu' : 'relu-fixed';
}

export function activationFor(choice: ActivationChoice, bits = 8): ActivationScheme {
  return choice === 'sign' ? { kind: 'sign' } : choice === 'relu' ? { kind: 'relu' } : { kind: 'relu', bits };
}

// ---------------------------------------------------------------- first and last layer at 8 bits

const EIGHT_BIT: WeightScheme = { kind: 'fixed', bits: 8 };
const isEnd = (o: LayerOverride) => o.layer === 0 || o.layer === -1;
const isEightBit = (s: WeightScheme) => s.kind === 'fixed' && s.bits === 8;

export function keepsEndsAt8Bit(layers: LayerOverride[]): boolean {
  return [0, -1].every((index) => layers.some((o) => o.layer === index && isEightBit(o.scheme)));
}

/** Adds or removes the overrides 0 and -1 (fixed 8-bit); they go last, so they win. */
export function withEndsAt8Bit(layers: LayerOverride[], on: boolean): LayerOverride[] {
  const rest = layers.filter((o) => !isEnd(o));
  return on ? [...rest, { layer: 0, scheme: EIGHT_BIT }, { layer: -1, scheme: EIGHT_BIT }] : rest;
}

/**
 * Per-layer minifloat overrides with each layer's auto bias, for the layers that use the global
 * minifloat scheme (layers overridden otherwise, e.g. kept at 8 bits, stay as they are).
 */
export function withAutoBias(config: Config, autoBiases: number[]): LayerOverride[] {
  const { weights } = config;
  if (weights.kind !== 'minifloat') return config.layers;
  const rest = config.layers.filter((o) => o.scheme.kind !== 'minifloat');
  const count = autoBiases.length;
  const auto: LayerOverride[] = [];
  autoBiases.forEach((bias, layer) => {
    if (schemeForLayer({ ...config, layers: rest }, layer, count) !== weights) return;
    auto.push({ layer, scheme: normalizeScheme({ ...weights, bias }) });
  });
  // Before the rest, so that any other override of the same layer still wins.
  return [...auto, ...rest];
}

export const pct = (accuracy: number) => (accuracy * 100).toFixed(2);

/** Same rule as the core's isFloatConfig: nothing quantized at all. */
export function isFloatQuant(config: QuantKeys): boolean {
  return (
    config.inputBits >= 8 &&
    config.activations.kind === 'relu' &&
    config.activations.bits === undefined &&
    config.weights.kind === 'float32' &&
    config.layers.every((o) => o.scheme.kind === 'float32')
  );
}

/** "LightNN-1, sign activations, 2-bit inputs": the quantization setting in a few words. */
export function describeQuant(config: QuantKeys): string {
  const parts = [describeScheme(config.weights) + (config.layers.length > 0 ? ' + per-layer' : '')];
  if (config.activations.kind === 'sign') parts.push('sign activations');
  else if (config.activations.bits !== undefined) parts.push(`${config.activations.bits}-bit ReLU`);
  if (config.inputBits < 8) parts.push(`${config.inputBits}-bit inputs`);
  return parts.join(', ');
}
