/**
 * The quantization part of a config, as the page needs it: storage, presets and the convenience
 * overrides. The rules themselves come from the core's TF.js-free quant/quantConfig.ts.
 */
import type { Config, LayerOverride } from '../core/config';
import { architecture, biasCount, isWeightLayer, weightCount, type WeightLayer } from '../core/models';
import { bitsPerWeight, describeScheme, WEIGHT_FORMATS, formatOf, type ActivationScheme, type WeightKind, type WeightScheme } from '../core/quant/schemes';
import { isFloatConfig, quantOf, schemeForLayer, type QuantConfig } from '../core/quant/quantConfig';

export type SchemeKind = WeightKind;
export type QuantKeys = Pick<Config, 'weights' | 'activations' | 'inputBits' | 'layers'>;

export { schemeForLayer };

export function quantOfConfig(config: QuantKeys): QuantConfig {
  return quantOf(config);
}

/** Identifies a quantization setting; configs come out of the zod schema, so key order is stable. */
export function quantKey(config: QuantKeys): string {
  return JSON.stringify(quantOfConfig(config));
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
  return WEIGHT_FORMATS[kind].defaults;
}

/**
 * Drops parameters equal to their defaults, so the URL stays short and a scheme set by hand
 * still matches a preset (matchPreset compares JSON).
 */
export function normalizeScheme(scheme: WeightScheme): WeightScheme {
  return formatOf(scheme).normalize?.(scheme) ?? scheme;
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

/** Nothing quantized at all. */
export function isFloatQuant(config: QuantKeys): boolean {
  return isFloatConfig(quantOf(config));
}

/** "LightNN-1, sign activations, 2-bit inputs": the quantization setting in a few words. */
export function describeQuant(config: QuantKeys): string {
  const parts = [describeScheme(config.weights) + (config.layers.length > 0 ? ' + per-layer' : '')];
  if (config.activations.kind === 'sign') parts.push('sign activations');
  else if (config.activations.bits !== undefined) parts.push(`${config.activations.bits}-bit ReLU`);
  if (config.inputBits < 8) parts.push(`${config.inputBits}-bit inputs`);
  return parts.join(', ');
}
