/**
 * Property tests of the URL codec (issue 11): no query string breaks decodeConfig or floods the page,
 * and every valid config survives a trip through its own URL.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  applyQuery,
  checkSweep,
  CONFIG_KEYS,
  configSchema,
  DEFAULT_ENERGY_TABLE,
  decodeConfig,
  defaultConfig,
  encodeConfig,
  fieldSchemas,
  MAX_HIDDEN_LAYERS,
  MAX_HIDDEN_WIDTH,
  NOTICE_CHARS,
  NUMERIC_SWEEP_KNOBS,
  PANEL_NAMES,
  SEED003_PRESETS,
  SWEEP_KNOB_INFO,
  validateEnergyTable,
  weightLayerCount,
  type Config,
  type ConfigNotice,
  type EnergyTableKey,
} from '../../src/tf';
import { WEIGHT_FORMATS, WEIGHT_KINDS, weightSchemeSchema } from '../../src/core/quant/formats';
import { lrScheduleArb, scalarArbitrary, weightSchemeArb } from '../helpers/arbitraries';

const RUNS = 10_000;

// ---------------------------------------------------------------- (a) arbitrary query strings

/** Fragments that have broken URL parsers: escapes (bad, partial, of separators, of lone surrogates), separators, numbers. */
const NASTY = [
  '%', '%2', '%zz', '%00', '%2B', '%26', '%3D', '%3B', '%2C', '%3A', '%ED%A0%80', '%C3', '%E2%80%A6', '%F0%9F%98%80',
  '&', '=', ';', ',', ':', '+', ' ', '?', '#', '\u0000', '\ud800', '😀', 'é', '\u202e',
  '0x10', '0b101', '0o7', '+5', '-0', '1e400', '1e-3', 'Infinity', 'NaN', '-1', '15', '-16', '99999999999999999999',
  'fixed', 'bits', 'minifloat', 'lightnn', 'binary', 'relu', 'sign', 'float32', 'none', 'true', 'false', 'all',
  '__proto__', 'constructor', 'toString',
];

const numberTextArb = fc.oneof(
  fc.constantFrom('0x10', '0b101', '0o7', '+5', ' 5', '5 ', '-0', '.5', '5.', '1e400', '1e-3', '1e+21', 'Infinity', 'NaN', '', '99999999999999999999'),
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.double().map(String),
  fc.integer().map(String),
);
/** Values in the shape of the structured keys, so the numbers inside them (layer indices, scheme parameters, widths, energy entries) get fuzzed too. */
const schemeTextArb = fc
  .tuple(
    fc.constantFrom('float32', 'fixed', 'minifloat', 'lightnn', 'binary', 'relu', 'sign', 'tanh', ''),
    fc.array(fc.tuple(fc.constantFrom('bits', 'exponentBits', 'mantissaBits', 'bias', 'subnormals', 'k', 'rounding', 'allowZero', 'scale', 'hysteresis', 'clip', 'x'), fc.oneof(numberTextArb, fc.constantFrom('true', 'false', 'nearest', 'stochastic', 'none', 'l1'))), { maxLength: 4 }),
  )
  .map(([kind, params]) => (params.length === 0 ? kind : `${kind}:${params.map(([k, v]) => `${k}=${v}`).join(',')}`));
const someSchemeTextArb = fc.oneof(schemeTextArb, fc.constantFrom('float32', 'fixed:bits=2', 'binary:scale=l1', 'lightnn:k=2', 'minifloat:exponentBits=4,mantissaBits=3'));
const layersTextArb = fc
  .array(fc.tuple(fc.oneof(numberTextArb, fc.integer({ min: -16, max: 15 }).map(String)), someSchemeTextArb), { maxLength: 5 })
  .map((overrides) => overrides.map(([i, scheme]) => `${i}=${scheme}`).join(';'));
const structuredArb = fc.oneof(
  schemeTextArb,
  layersTextArb,
  fc.array(numberTextArb, { maxLength: 10 }).map((widths) => widths.join(',')),
  fc.array(fc.tuple(fc.constantFrom(...Object.keys(DEFAULT_ENERGY_TABLE), 'foo'), numberTextArb), { maxLength: 4 }).map((entries) => entries.map(([k, v]) => `${k}:${v}`).join(',')),
);

/** A value: plain text of any unicode, URL-ish fragments, a number's text, or a structured value. */
const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 4, arbitrary: fc.array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 4 })), { maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 3, arbitrary: numberTextArb },
  { weight: 4, arbitrary: structuredArb },
);

/** A value up to 600,000 characters (the link that once filled the page), built from repeats so it is cheap to make. */
const hugeValueArb = fc
  .tuple(fc.constantFrom('a', '1,', '9', ';', '%', '😀', 'x:1,', 'bad,', '0=fixed:bits=2;', '15=fixed:bits=2;'), fc.integer({ min: 1000, max: 600_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));

const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...CONFIG_KEYS, 'v') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY) },
);

/**
 * A few keys (often repeated, the key list being short), written properly escaped or glued
 * together raw; about one query in 50 also has a huge value (more would dominate the run time).
 */
const queryArb = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.tuple(keyArb, valueArb) },
        // Keys whose values have a grammar, with values that often follow it.
        { weight: 1, arbitrary: fc.tuple(fc.constant('layers'), layersTextArb) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('weights', 'activations'), someSchemeTextArb) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('model', 'hidden'), fc.oneof(fc.constantFrom('mlp1', 'lenet', 'mlp'), structuredArb)) },
      ),
      { maxLength: 8 },
    ),
    fc.oneof({ weight: 49, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(keyArb, hugeValueArb) }),
    fc.nat(8),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([pairs, huge, at, raw, question]) => {
    const all = huge ? [...pairs.slice(0, at), huge, ...pairs.slice(at)] : pairs;
    const text = raw ? all.map(([k, v]) => `${k}=${v}`).join('&') : new URLSearchParams(all).toString();
    return question ? `?${text}` : text;
  });

function checkNotices(notices: ConfigNotice[]): void {
  for (const n of notices) {
    if (n.level !== 'error' && n.level !== 'info') throw new Error(`level ${String(n.level)}`);
    if (typeof n.message !== 'string' || n.message.length === 0 || n.message.length > NOTICE_CHARS) {
      throw new Error(`notice of ${n.message.length} characters: ${n.message.slice(0, 300)}`);
    }
  }
}

function checkConfig(config: Config): void {
  if (!configSchema.safeParse(config).success) throw new Error(`decoded config fails the schema: ${JSON.stringify(config).slice(0, 300)}`);
  const count = weightLayerCount(config);
  if (config.layers.some((o) => o.layer < -count || o.layer >= count)) throw new Error(`override of a missing layer: ${JSON.stringify(config.layers)}`);
}

/** The number grammar, written out again here as the spec the codec must meet. */
const PLAIN_DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_KEYS = CONFIG_KEYS.filter((key) => (fieldSchemas[key] as unknown as z.ZodDefault<z.ZodType>).unwrap() instanceof z.ZodNumber);

/** A numeric key whose (last) value is not a plain decimal keeps its default. */
function checkNumbers(query: string, config: Config): void {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const defaults = defaultConfig();
  for (const key of NUMBER_KEYS) {
    const all = params.getAll(key);
    const last = all[all.length - 1];
    if (last !== undefined && !PLAIN_DECIMAL.test(last) && config[key] !== defaults[key]) {
      throw new Error(`${key}=${JSON.stringify(last.slice(0, 100))} was read as ${String(config[key])}`);
    }
  }
}

const lenet: Config = { ...defaultConfig(), model: 'lenet', layers: [{ layer: 3, scheme: { kind: 'fixed', bits: 2 } }] };

describe('decodeConfig on arbitrary query strings', () => {
  it('never throws, keeps every notice within 200 characters, returns a valid config and reads only plain decimals', () => {
    fc.assert(
      fc.property(queryArb, (query) => {
        const decoded = decodeConfig(query);
        checkNotices(decoded.notices);
        checkConfig(decoded.config);
        checkNumbers(query, decoded.config);
        // applyQuery (lesson steps) reads queries the same way.
        const applied = applyQuery(lenet, query);
        checkNotices(applied.notices);
        checkConfig(applied.config);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------- (b) valid configs round-trip

/** Numbers, enums, booleans and nullable enums straight from the field schemas, so a changed range is fuzzed as is. */
function scalarArb(key: keyof Config): fc.Arbitrary<unknown> | null {
  return scalarArbitrary((fieldSchemas[key] as unknown as z.ZodDefault<z.ZodType>).unwrap() as z.ZodType);
}

const activationArb = fc.oneof(
  fc.record({ kind: fc.constant('relu' as const), bits: fc.integer({ min: 1, max: 16 }), clip: fc.double({ min: Number.MIN_VALUE, max: 1e6, noNaN: true }) }, { requiredKeys: ['kind'] }),
  fc.constant({ kind: 'sign' as const }),
);

/** Entries the scaling laws relate (validateEnergyTable): kept near their defaults so the relations hold. */
const RELATED = new Set<EnergyTableKey>([
  'floatAdd16PJ', 'floatAdd32PJ', 'floatMult16PJ', 'floatMult32PJ', 'floatAdd16AreaUm2', 'floatAdd32AreaUm2',
  'floatMult16AreaUm2', 'floatMult32AreaUm2', 'intAdd8AreaUm2', 'intAdd32AreaUm2', 'intMult8AreaUm2', 'intMult32AreaUm2',
]);
const energyArb = fc
  .record(
    Object.fromEntries(
      (Object.keys(DEFAULT_ENERGY_TABLE) as EnergyTableKey[]).map((key) => {
        const def = DEFAULT_ENERGY_TABLE[key];
        if (key === 'shiftCost') return [key, fc.constantFrom('adder', 'aladdin')];
        if (RELATED.has(key)) return [key, fc.double({ min: (def as number) * 0.9, max: (def as number) * 1.1, noNaN: true })];
        const min = key === 'aladdinAdderPJ' || key === 'aladdinAdderAreaUm2' ? Number.MIN_VALUE : 0;
        return [key, fc.oneof(fc.double({ min, max: 1e12, noNaN: true }), fc.integer({ min: Math.ceil(min), max: 2 ** 31 }))];
      }),
    ) as Record<EnergyTableKey, fc.Arbitrary<unknown>>,
    { requiredKeys: [] },
  )
  .filter((energy) => validateEnergyTable(energy).errors.length === 0);

const presetIds = SEED003_PRESETS.map((p) => p.id);
const sweepAxisArb = fc.oneof(
  ...NUMERIC_SWEEP_KNOBS.map((knob) =>
    fc.record({ knob: fc.constant(knob), values: fc.uniqueArray(fc.integer({ min: SWEEP_KNOB_INFO[knob].min, max: SWEEP_KNOB_INFO[knob].max }), { minLength: 1, maxLength: 8 }) }),
  ),
  fc.record({ knob: fc.constant('preset' as const), values: fc.shuffledSubarray(presetIds, { minLength: 1 }) }),
);
const sweepArb = fc.option(
  fc
    .record({ axes: fc.array(sweepAxisArb, { minLength: 1, maxLength: 2 }), mode: fc.constantFrom('ptq' as const, 'qat' as const) })
    // Axes that set the same part, or too many cells, are not valid sweeps.
    .filter((sweep) => checkSweep(sweep).ok),
  { nil: null },
);

const SCALAR_KEYS = CONFIG_KEYS.filter((key) => scalarArb(key) !== null);
const STRUCTURED: Partial<Record<keyof Config, fc.Arbitrary<unknown>>> = {
  hidden: fc.array(fc.integer({ min: 1, max: MAX_HIDDEN_WIDTH }), { minLength: 1, maxLength: MAX_HIDDEN_LAYERS }),
  lenetWidths: fc.array(fc.integer({ min: 1, max: MAX_HIDDEN_WIDTH }), { minLength: 3, maxLength: 3 }),
  lrSchedule: lrScheduleArb,
  weights: weightSchemeArb,
  activations: activationArb,
  // A position, mapped below onto the layers the model has (-count to count - 1).
  layers: fc.array(fc.record({ layer: fc.nat(), scheme: weightSchemeArb }), { maxLength: 16 }),
  energy: energyArb,
  sweep: sweepArb,
  hide: fc.uniqueArray(fc.constantFrom(...PANEL_NAMES)),
};

const validConfigArb: fc.Arbitrary<Config> = fc
  .record(Object.fromEntries(CONFIG_KEYS.map((key) => [key, scalarArb(key) ?? STRUCTURED[key]])) as Record<keyof Config, fc.Arbitrary<unknown>>)
  .map((raw) => {
    const config = raw as unknown as Config;
    const count = weightLayerCount(config);
    return { ...config, layers: config.layers.map((o) => ({ ...o, layer: (o.layer % (2 * count)) - count })) };
  });

describe('valid configs in the URL', () => {
  it('draws every weight format of the registry, with and without its optional parameters, and valid ones only', () => {
    const schemes = fc.sample(weightSchemeArb, 2000);
    expect(new Set(schemes.map((s) => s.kind))).toEqual(new Set(WEIGHT_KINDS));
    expect(schemes.every((s) => weightSchemeSchema.safeParse(s).success)).toBe(true);
    for (const kind of WEIGHT_KINDS) {
      const shape = (WEIGHT_FORMATS[kind].schema as unknown as z.ZodObject).shape;
      for (const key of Object.keys(shape)) {
        expect(schemes.some((s) => s.kind === kind && key in s), `${kind}.${key}`).toBe(true);
        if (shape[key] instanceof z.ZodOptional) expect(schemes.some((s) => s.kind === kind && !(key in s)), `${kind} without ${key}`).toBe(true);
      }
    }
  });

  it('has an arbitrary for every key, and only valid configs come out of it', () => {
    expect(CONFIG_KEYS.filter((key) => scalarArb(key) === null && STRUCTURED[key] === undefined)).toEqual([]);
    expect(SCALAR_KEYS).toContain('lesson');
    expect(fc.sample(validConfigArb, 200).every((c) => configSchema.safeParse(c).success)).toBe(true);
  });

  it('decode(encode(c)) is c, with no notices but the cross-field one c itself has', () => {
    fc.assert(
      fc.property(validConfigArb, (config) => {
        const { config: back, notices } = decodeConfig(encodeConfig(config));
        // The one normalisation: `hidden` is written only for model=mlp (other models ignore it), so
        // it comes back as the default there. Everything else, doubles included, is exact (String(x)
        // is the shortest text that reads back as the same double).
        // Likewise `lenetWidths`, written only for model=lenet.
        const withHidden = config.model === 'mlp' ? config : { ...config, hidden: defaultConfig().hidden };
        const canonical = config.model === 'lenet' ? withHidden : { ...withHidden, lenetWidths: defaultConfig().lenetWidths };
        // batch > trainSize is valid and always says so (info).
        const expected = config.batch > config.trainSize ? [{ level: 'info', key: 'batch', message: `batch=${config.batch} is larger than trainSize=${config.trainSize}: each epoch is one batch of ${config.trainSize}.` }] : [];
        // isDeepStrictEqual, not expect().toEqual, in the loop: 10,000 runs of the latter take minutes.
        if (!isDeepStrictEqual(back, canonical) || !isDeepStrictEqual(notices, expected)) {
          expect({ back, notices }).toEqual({ back: canonical, notices: expected });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
