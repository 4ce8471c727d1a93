/**
 * The one config schema: every knob's type, range and default lives here, and so does the URL
 * encoding. The page, the worker, the CLI and the tests all read configs through this module.
 */
import { z } from 'zod';
import { DEFAULT_ENERGY_TABLE, ENERGY_TABLE_UNITS, validateEnergyTable, type EnergyTable, type EnergyTableKey } from './cost/energyTable';
import type { ActivationScheme } from './quant/schemes';
import { WEIGHT_KINDS, weightSchemeSchema } from './quant/formats';
import { decodeLrSchedule, encodeLrSchedule, lrScheduleSchema } from './lrSchedule';
import { DEFAULT_LENET_WIDTHS, weightLayerCount } from './models';
import { DATASET_NAMES } from './datasets/kinds';
import { decodeSweepText, encodeSweep, sweepSchema, type SweepDefinition } from './sweep';
// Lessons are plain data with no imports of their own, so the core can validate `lesson` ids.
import { LESSON_IDS } from '../lessons';

/** Bump when a URL key changes meaning; decodeConfig migrates older versions. */
export const CONFIG_VERSION = 1;

export const MODEL_NAMES = ['mlp1', 'lenet', 'mlp', 'cifar3conv', 'cifar6conv'] as const;
export const OPTIMIZERS = ['adam', 'sgd'] as const;
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

export const TRAIN_SET_SIZE = 60_000;
export const TEST_SET_SIZE = 10_000;
export const MAX_HIDDEN_LAYERS = 8;
export const MAX_HIDDEN_WIDTH = 8192;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

// ---------------------------------------------------------------- numbers and notice text

/**
 * Plain decimals, as String(number) writes them and people type them: `12`, `-3`, `0.001`, `.5`,
 * `1e-3`, `1e+21`. No `0x`/`0b`/`0o`, no leading `+` (in a query `+` is a space), no whitespace,
 * no Infinity or NaN. Written so that no input backtracks (a 600,000-digit value stays linear).
 */
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The one number codec of every numeric value, in the URL and typed into knobs: a finite number or null. */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  if (!Number.isFinite(n)) return null;
  // -0 would print as 0 and compare unequal to it in deep equality.
  return n === 0 ? 0 : n;
}

/** The longest notice text; a URL value can be any length and the page shows every notice. */
export const NOTICE_CHARS = 200;
/** The most characters of a value a notice quotes. */
export const NOTICE_VALUE_CHARS = 80;

/**
 * A value as notices quote it: JSON-quoted, and when that is longer than `max` characters, cut
 * with "…" and followed by the value's length, e.g. `"aaaa…" (600000 characters)`.
 */
export function quoteValue(raw: string, max: number = NOTICE_VALUE_CHARS): string {
  let shown = '';
  // By code point, so no surrogate pair is split.
  for (const ch of raw) {
    const quoted = JSON.stringify(ch).slice(1, -1);
    if (shown.length + quoted.length > max) return `"${shown}…" (${raw.length} characters)`;
    shown += quoted;
  }
  return `"${shown}"`;
}

/** Cuts text to at most `max` characters, ending in "…" when cut. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * Items joined with ", " in at most `room` characters, the rest counted: "a, b and 3 more".
 * `total` counts items the caller did not format (a list can have 300,000).
 */
function listWithin(items: readonly string[], room: number, total: number = items.length): string {
  let out = '';
  let shown = 0;
  for (const item of items) {
    const next = shown === 0 ? item : `${out}, ${item}`;
    const rest = total - shown - 1;
    if (next.length + (rest > 0 ? ` and ${rest} more`.length : 0) > room) break;
    out = next;
    shown += 1;
  }
  const left = total - shown;
  if (left === 0) return out;
  return shown === 0 ? `${left} of them` : `${out} and ${left} more`;
}

/**
 * `key="value" is not valid (why); fallback.` in at most NOTICE_CHARS: a long value is quoted
 * shorter (down to 20 characters) before anything else is cut.
 */
function invalidMessage(key: string, raw: string, why: string, fallback: string | null): string {
  const tail = fallback === null ? '.' : `; ${clipText(fallback, 40)}.`;
  // A reason this long quotes the value again (energy and sweep checks name the bad part):
  // shown once there, the value itself gets 20 characters.
  const reason = clipText(why, 80);
  const most = why.length > 80 ? 20 : NOTICE_VALUE_CHARS;
  const compose = (value: string) => `${key}=${value} is not valid (${reason})${tail}`;
  const full = compose(quoteValue(raw, most));
  if (full.length <= NOTICE_CHARS) return full;
  const room = NOTICE_CHARS - compose('').length - `""… (${raw.length} characters)`.length;
  return clipText(compose(quoteValue(raw, Math.max(20, Math.min(room, most)))), NOTICE_CHARS);
}

// ---------------------------------------------------------------- quantization schemes

// Each weight format's parameters, ranges and checks live in its file under quant/formats/.
export { weightSchemeSchema };

export const activationSchemeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('relu'), bits: int(1, 16).optional(), clip: z.number().positive().max(1e6).optional() }),
  z.strictObject({ kind: z.literal('sign') }),
]) as unknown as z.ZodType<ActivationScheme>;

/** A weight scheme for one weight layer, by index (0 = first; -1 = last), overriding `weights`. */
export const layerOverrideSchema = z.strictObject({ layer: z.number().int().min(-16).max(15), scheme: weightSchemeSchema });
export type LayerOverride = z.infer<typeof layerOverrideSchema>;

export const TRAINING_MODES = ['float', 'qat'] as const;

/** Panels a lecturer can hide with `hide=...` (classroom mode). */
/** Panels `hide` can name; `sweeps` is another name for the experiments section (what a teacher calls it). */
export const PANEL_NAMES = ['presets', 'knobs', 'chart', 'weights', 'curves', 'draw', 'mistakes', 'training', 'experiments', 'sweeps', 'energy', 'kernels', 'records', 'intro'] as const;
export type PanelName = (typeof PANEL_NAMES)[number];

/**
 * Keys that change only what the page shows (classroom mode), never what is trained, quantized or
 * costed: records, the CLI and anything comparing configs should ignore them.
 */
export const CLASSROOM_KEYS = ['lesson', 'hide', 'present'] as const;
export type ClassroomKey = (typeof CLASSROOM_KEYS)[number];

/** Entries of the energy table that differ from the default (Horowitz 45 nm); validated by validateEnergyTable. */
export type EnergyOverrides = Partial<EnergyTable>;

/** Every number non-negative and finite, shiftCost adder or aladdin, and the pairs the scaling laws need. */
export const energyOverridesSchema = z.unknown().transform((raw, ctx): EnergyOverrides => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: 'the energy table is a list of key:value' });
    return z.NEVER;
  }
  const { errors } = validateEnergyTable(raw);
  if (errors.length > 0) {
    ctx.addIssue({ code: 'custom', message: errors.join('; ') });
    return z.NEVER;
  }
  return { ...(raw as EnergyOverrides) };
});

/** The energy table a config's overrides make (the default with the overrides applied). */
export function energyTableOf(config: Pick<Config, 'energy'>): EnergyTable {
  return validateEnergyTable(config.energy).table;
}

/** Only the entries that differ from the default, in the table's key order. */
export function compactEnergyOverrides(overrides: EnergyOverrides): EnergyOverrides {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_ENERGY_TABLE) as EnergyTableKey[]) {
    const value = overrides[key];
    if (value !== undefined && value !== DEFAULT_ENERGY_TABLE[key]) out[key] = value;
  }
  return out as EnergyOverrides;
}

function encodeEnergy(overrides: EnergyOverrides): string {
  return Object.entries(overrides)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}:${String(v)}`)
    .join(',');
}

function decodeEnergy(text: string): unknown {
  const out: Record<string, unknown> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const colon = part.indexOf(':');
    if (colon < 0) return { [part.trim()]: '(no value)' };
    const key = part.slice(0, colon).trim();
    const raw = part.slice(colon + 1);
    out[key] = key in ENERGY_TABLE_UNITS ? (parseDecimal(raw) ?? NaN) : raw.trim();
  }
  return out;
}

/** Field schemas with defaults. Order here is the order of keys in the URL. */
export const fieldSchemas = {
  /** The data set: MNIST built in, the others from the user's files (src/core/datasets/). */
  data: z.enum(DATASET_NAMES).default('mnist'),
  model: z.enum(MODEL_NAMES).default('mlp1'),
  hidden: z.array(int(1, MAX_HIDDEN_WIDTH)).min(1).max(MAX_HIDDEN_LAYERS).default([256, 128]),
  /** lenet's conv1 filters, conv2 filters and fc1 units (NetAdapt's adapted lenet). */
  lenetWidths: z.array(int(1, MAX_HIDDEN_WIDTH)).length(3).default([...DEFAULT_LENET_WIDTHS]),
  /** Batch normalisation after each hidden layer's weighted sum (BinaryConnect and BinaryNet train with it). */
  batchNorm: z.boolean().default(false),
  trainSize: int(10, TRAIN_SET_SIZE).default(10_000),
  testSize: int(10, TEST_SET_SIZE).default(TEST_SET_SIZE),
  epochs: int(1, 100).default(3),
  batch: int(1, 4096).default(32),
  lr: z.number().min(1e-6).max(10).default(0.002),
  optimizer: z.enum(OPTIMIZERS).default('adam'),
  /** Momentum of the SGD optimizer (unused by Adam). */
  momentum: z.number().min(0).max(0.999).default(0.9),
  /** How the learning rate changes from epoch to epoch (src/core/lrSchedule.ts). */
  lrSchedule: lrScheduleSchema.default({ kind: 'constant' }),
  dataSeed: int(0, 2 ** 31 - 1).default(1),
  initSeed: int(0, 2 ** 31 - 1).default(1),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  /** Weight scheme of every weight layer (unless overridden in `layers`). */
  weights: weightSchemeSchema.default({ kind: 'float32' }),
  /** Activation of the hidden layers. */
  activations: activationSchemeSchema.default({ kind: 'relu' }),
  /** Input resolution: pixels rounded to 2^bits - 1 levels (8 = MNIST as stored). */
  inputBits: int(1, 8).default(8),
  /** Per-layer weight schemes, e.g. the first and last layers kept wider. */
  layers: z.array(layerOverrideSchema).max(16).default([]),
  /** 'float' trains in float32 and quantizes after training (PTQ); 'qat' trains through the quantizers. */
  training: z.enum(TRAINING_MODES).default('float'),
  /** Energy-table entries changed from the default (Horowitz 45 nm), e.g. `sramBytes:524288,shiftCost:aladdin`. */
  energy: (energyOverridesSchema as unknown as z.ZodType<EnergyOverrides>).default({}),
  /** A sweep over one or two knobs, e.g. `weightBits:2-8,inputBits:1-8;mode=ptq` (its results are not in the URL). */
  sweep: (sweepSchema as unknown as z.ZodType<SweepDefinition>).nullable().default(null),
  // Classroom mode: page-only, last in the URL so the settings a class compares come first.
  /** The open lesson (an id from src/lessons), or null for none. */
  lesson: z.enum(LESSON_IDS).nullable().default(null),
  /** Panels hidden from the class. */
  hide: z.array(z.enum(PANEL_NAMES)).default([]),
  /** Presenter size: bigger type and thicker lines for the back of the room. */
  present: z.boolean().default(false),
};

export const configSchema = z.object(fieldSchemas);
export type Config = z.infer<typeof configSchema>;
export type ConfigKey = keyof Config;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const CONFIG_KEYS = Object.keys(fieldSchemas) as ConfigKey[];

export function defaultConfig(): Config {
  return configSchema.parse({});
}

/** Human descriptions, used in the README table and as knob tooltips. */
export const FIELD_HELP: Record<ConfigKey, string> = {
  data: 'data set: mnist (built in), fashion (Fashion-MNIST IDX files), cifar10 (CIFAR-10 binary version) or idx (any IDX set of 28x28 images, up to 10 classes)',
  model: 'mlp1 (784-100-10), lenet (seed 003 2-conv), mlp (custom hidden widths), cifar3conv or cifar6conv (seed 003 CIFAR-10 3-conv and 6-conv)',
  hidden: 'comma-separated hidden widths for model=mlp, e.g. 4096,4096,4096',
  lenetWidths: 'lenet conv1 filters, conv2 filters and fc1 units for model=lenet, e.g. 20,50,500',
  batchNorm: '1 for batch normalisation after each hidden layer (as BinaryConnect and BinaryNet train), 0 for none',
  trainSize: `training images used, a seeded subset of the ${TRAIN_SET_SIZE.toLocaleString('en-US')}`,
  testSize: `test images evaluated, the first N of the ${TEST_SET_SIZE.toLocaleString('en-US')}`,
  epochs: 'passes over the training subset',
  batch: 'mini-batch size',
  lr: 'learning rate',
  optimizer: 'adam or sgd (SGD with momentum)',
  momentum: 'momentum of SGD (ignored by Adam)',
  lrSchedule: 'learning rate by epoch: constant, exp:0.9 (times 0.9 after each epoch) or cosine (down to near 0 by the last epoch)',
  dataSeed: 'seed of the training subset and the shuffling order',
  initSeed: 'seed of the initial weights (keep it to restart from the same weights)',
  backend: 'auto (WebGPU, then WebGL, WASM, CPU) or a fixed TF.js backend',
  weights: 'weight scheme: float32, fixed:bits=4, minifloat:exponentBits=4,mantissaBits=3, lightnn:k=2, binary:scale=none, ternary',
  activations: 'hidden activations: relu, relu:bits=8 (fixed point), sign (binarized)',
  inputBits: 'input resolution: pixels rounded to 2^bits - 1 levels',
  layers: 'per-layer weight schemes, e.g. 0=fixed:bits=8;-1=fixed:bits=8 (first and last layer 8-bit)',
  training: 'float (train float32, quantize after: PTQ) or qat (quantization-aware training)',
  energy: 'energy-table entries changed from Horowitz 45 nm, e.g. sramBytes:524288,shiftCost:aladdin',
  sweep: 'a sweep over one or two knobs, e.g. weightBits:2-8,inputBits:1-8;mode=ptq',
  lesson: `a guided lesson shown above the screen: ${LESSON_IDS.join(', ')} (or its number, 1 to ${LESSON_IDS.length}), or none`,
  hide: `comma-separated panels to hide from the class: ${PANEL_NAMES.join(', ')}`,
  present: '1 for presenter size (bigger type, thicker lines), 0 for normal',
};

/** The config with the classroom keys at their defaults: what records and comparisons should see. */
export function withoutClassroomKeys(config: Config): Config {
  return { ...config, lesson: null, hide: [], present: false };
}

// ---------------------------------------------------------------- URL encoding

/**
 * Schemes in the URL: `kind` then `:key=value,key=value`, e.g. `lightnn:k=2,rounding=stochastic`.
 * Readable, and generic, so a new scheme parameter needs no new URL code.
 */
export function encodeScheme(scheme: object): string {
  const { kind, ...params } = scheme as { kind: string } & Record<string, unknown>;
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? kind : `${kind}:${parts.join(',')}`;
}

export function decodeScheme(text: string): unknown {
  const colon = text.indexOf(':');
  const kind = (colon < 0 ? text : text.slice(0, colon)).trim();
  const out: Record<string, unknown> = { kind };
  if (colon >= 0) {
    for (const part of text.slice(colon + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) return { kind, malformed: part };
      const key = part.slice(0, eq).trim();
      const raw = part.slice(eq + 1);
      const text = raw.trim();
      // Not a plain decimal ("0x10", " 2"): left as text, which the scheme's number fields refuse.
      out[key] = text === 'true' ? true : text === 'false' ? false : (parseDecimal(raw) ?? text);
    }
  }
  return out;
}

function encodeLayers(layers: LayerOverride[]): string {
  return layers.map((o) => `${o.layer}=${encodeScheme(o.scheme)}`).join(';');
}

function decodeLayers(text: string): unknown {
  if (text.trim() === '') return [];
  // Past the schema's 16 the list is refused anyway: don't parse more.
  return text.split(';', 17).map((part) => {
    const eq = part.indexOf('=');
    const index = eq < 0 ? '' : part.slice(0, eq);
    return { layer: parseDecimal(index) ?? index, scheme: decodeScheme(part.slice(eq + 1)) };
  });
}

/**
 * How a refused value is explained: `range` gives the field's numeric range, `scheme` names the
 * nested parameter (or lists the kinds), `message` quotes the field's own check, `oneOf` lists an
 * enum's values; `why` replaces the reason outright.
 */
type Explain = 'range' | 'message' | { scheme: string } | { why: string };

/** One field in the URL: text to the raw value its schema validates, and back. */
interface FieldCodec<V> {
  decode: (text: string) => unknown;
  encode: (value: V) => string;
  /** Left out of the URL for this config: a default that says nothing, or a key that does not apply. */
  omit?: (config: Config) => boolean;
  /** A knob may send the typed text, read as the URL reads it (so messages quote what was typed). */
  typed?: boolean;
  explain: Explain;
}

// Text that is not a plain decimal stays text: the schema refuses it and the notice quotes it.
// String(number) is the shortest text that parses back to the same double.
const numberCodec: FieldCodec<number> = { decode: (text) => parseDecimal(text) ?? text, encode: String, typed: true, explain: 'range' };
/** 1/0 (true/false read too); anything else stays text for the schema to refuse. */
const booleanCodec: FieldCodec<boolean> = {
  decode: (text) => {
    const t = text.trim();
    return t === '1' || t === 'true' ? true : t === '0' || t === 'false' ? false : text;
  },
  encode: (on) => (on ? '1' : '0'),
  typed: true,
  explain: { why: 'must be 0 or 1' },
};
const enumCodec: FieldCodec<string> = { decode: (text) => text, encode: String, explain: 'range' };
const schemeCodec = (kinds: readonly string[]): FieldCodec<object> => ({
  decode: decodeScheme,
  encode: encodeScheme,
  explain: { scheme: `${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]}` },
});

/**
 * Every field's URL codec, in one table (as tensorflow/playground's state.ts keeps its own):
 * adding a config field means one schema above and one row here.
 */
const FIELD_CODECS: { [K in ConfigKey]: FieldCodec<Config[K]> } = {
  data: { ...enumCodec, omit: (c) => c.data === 'mnist' },
  model: enumCodec,
  hidden: { decode: decodeNumberList, encode: (widths) => widths.join(','), omit: (c) => c.model !== 'mlp', typed: true, explain: 'range' },
  lenetWidths: {
    decode: decodeNumberList,
    encode: (widths) => widths.join(','),
    omit: (c) => c.model !== 'lenet' || c.lenetWidths.join(',') === DEFAULT_LENET_WIDTHS.join(','),
    typed: true,
    explain: { why: 'must be 3 integers from 1 to 8192' },
  },
  batchNorm: { ...booleanCodec, omit: (c) => !c.batchNorm },
  trainSize: numberCodec,
  testSize: numberCodec,
  epochs: numberCodec,
  batch: numberCodec,
  lr: numberCodec,
  optimizer: enumCodec,
  momentum: numberCodec,
  lrSchedule: {
    decode: (text) => decodeLrSchedule(text, parseDecimal),
    encode: encodeLrSchedule,
    omit: (c) => c.lrSchedule.kind === 'constant',
    typed: true,
    explain: { scheme: 'constant, exp:<decay per epoch> or cosine' },
  },
  dataSeed: numberCodec,
  initSeed: numberCodec,
  backend: enumCodec,
  weights: schemeCodec(WEIGHT_KINDS),
  activations: schemeCodec(['relu', 'sign']),
  inputBits: numberCodec,
  layers: { decode: decodeLayers, encode: encodeLayers, omit: (c) => c.layers.length === 0, explain: schemeCodec(WEIGHT_KINDS).explain },
  training: enumCodec,
  energy: { decode: decodeEnergy, encode: encodeEnergy, omit: (c) => Object.keys(c.energy).length === 0, explain: 'message' },
  sweep: {
    decode: (text) => (text.trim() === '' || text.trim() === 'none' ? null : decodeSweepText(text)),
    encode: (sweep) => (sweep === null ? '' : encodeSweep(sweep)),
    omit: (c) => c.sweep === null,
    explain: 'message',
  },
  // Classroom keys only when set: a shared link stays the same with or without a lesson.
  lesson: {
    decode: (text) => {
      const t = text.trim();
      if (t === '' || t === 'none') return null;
      // Lessons are numbered in class ("open lesson 1"): lesson=1 is the first one's id.
      return /^[1-9]\d*$/.test(t) && Number(t) <= LESSON_IDS.length ? LESSON_IDS[Number(t) - 1] : t;
    },
    encode: (lesson) => (lesson === null ? 'none' : lesson),
    omit: (c) => c.lesson === null,
    explain: 'range',
  },
  hide: {
    decode: (text) => [...new Set(text.split(',').map((part) => part.trim()).filter((part) => part !== ''))],
    encode: (panels) => panels.join(','),
    omit: (c) => c.hide.length === 0,
    explain: 'range',
  },
  present: { ...booleanCodec, omit: (c) => !c.present },
};

/** Parses a URL string into the raw value a field's schema validates. */
function fromUrlString(key: ConfigKey, text: string): unknown {
  return FIELD_CODECS[key].decode(text);
}

function toUrlString<K extends ConfigKey>(key: K, value: Config[K]): string {
  return (FIELD_CODECS[key] as FieldCodec<Config[K]>).encode(value);
}

/**
 * `4096,4096` or, typed, `4096, 4096`: spaces next to a comma belong to the separator, any other
 * whitespace (a leading `+` in a query is one) makes the item not a number.
 */
function decodeNumberList(text: string): unknown[] {
  // More items than the schema allows are refused anyway; don't parse a 600,000-item list.
  const parts = text.split(',', MAX_HIDDEN_LAYERS + 1);
  return parts.map((part, i) => {
    const item = i === 0 ? part : part.trimStart();
    const trimmed = i === parts.length - 1 ? item : item.trimEnd();
    return parseDecimal(trimmed) ?? part;
  });
}

/** Keys written into the URL for a config: those its codec does not omit. */
function urlKeysFor(config: Config): ConfigKey[] {
  return CONFIG_KEYS.filter((key) => !FIELD_CODECS[key].omit?.(config));
}

export function encodeConfig(config: Config): string {
  const params = new URLSearchParams();
  params.set('v', String(CONFIG_VERSION));
  for (const key of urlKeysFor(config)) params.set(key, toUrlString(key, config[key]));
  // These are legal inside a query value (a value ends at '&'); keep `hidden=4096,4096` and
  // `weights=lightnn:k=2` readable.
  return params.toString().replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%3D/gi, '=').replace(/%3B/gi, ';');
}

export interface ConfigNotice {
  /** 'error' when a value was replaced by its default; 'info' for harmless things. */
  level: 'error' | 'info';
  key?: string;
  message: string;
}

export interface DecodedConfig {
  config: Config;
  notices: ConfigNotice[];
}

/** The default of a key as the URL writes it: what decodeConfig falls back to. */
function usingDefault(key: ConfigKey): string {
  return `using the default ${toUrlString(key, (fieldSchemas[key] as z.ZodType).parse(undefined) as Config[ConfigKey]) || '(none)'}`;
}

/** `key="raw" is not valid (why); fallback.`, or ending at the reason when fallback is null. */
function describeIssue(key: ConfigKey, raw: string, error: z.ZodError, fallback: string | null): string {
  const issue = error.issues[0];
  const explain = FIELD_CODECS[key].explain;
  let why = issue?.message ?? 'invalid value';
  if (explain === 'message') return invalidMessage(key, raw, why, fallback);
  if (typeof explain === 'object' && 'why' in explain) return invalidMessage(key, raw, explain.why, fallback);
  if (typeof explain === 'object') {
    // Nested values: name the parameter, e.g. "bits: Too small: expected number to be >=2".
    const path = (issue?.path ?? []).filter((p) => typeof p === 'string' && p !== 'scheme').join('.');
    const text = issue?.code === 'invalid_union' ? `unknown kind; expected ${explain.scheme}` : why;
    return invalidMessage(key, raw, `${path ? `${path}: ` : ''}${text}`, fallback);
  }
  if (issue?.code === 'invalid_value' && 'values' in issue) why = `must be one of ${issue.values.join(', ')}`;
  else if (issue?.code === 'invalid_type' || issue?.code === 'too_small' || issue?.code === 'too_big') {
    const range = rangeOf(key);
    if (range) why = key === 'hidden' ? `each width must be ${range}, 1 to ${MAX_HIDDEN_LAYERS} layers` : `must be ${range}`;
  } else if (issue?.code === 'invalid_format' || issue?.code === 'custom') why = issue.message;
  return invalidMessage(key, raw, why, fallback);
}

/** "an integer from 10 to 60000" style range text for numeric fields. */
export function rangeOf(key: ConfigKey): string | null {
  let schema: z.ZodType = (fieldSchemas[key] as z.ZodDefault<z.ZodType>).unwrap() as z.ZodType;
  if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
  if (!(schema instanceof z.ZodNumber)) return null;
  const { minValue, maxValue, isInt } = schema;
  const kind = isInt ? 'an integer' : 'a number';
  const min = minValue === null || minValue === undefined ? null : minValue;
  const max = maxValue === null || maxValue === undefined ? null : maxValue;
  if (min !== null && max !== null) return `${kind} from ${min} to ${max}`;
  return kind;
}

/** "mlp1 has 2 weight layers (0 to 1, or -2 to -1 from the end)". */
function layerRangeText(config: Pick<Config, 'model' | 'hidden'>): string {
  const count = weightLayerCount(config);
  const model = config.model === 'mlp' ? `mlp with ${config.hidden.length} hidden layer${config.hidden.length > 1 ? 's' : ''}` : config.model;
  return `${model} has ${count} weight layers (0 to ${count - 1}, or -${count} to -1 from the end)`;
}

/** Overrides naming a layer the config's model has, and the indices of the others (each once). */
function splitLayers(config: Config): { kept: LayerOverride[]; outside: number[] } {
  const count = weightLayerCount(config);
  const kept = config.layers.filter((o) => o.layer >= -count && o.layer < count);
  const outside = [...new Set(config.layers.filter((o) => !kept.includes(o)).map((o) => o.layer))];
  return { kept, outside };
}

/**
 * Drops overrides of layers the model does not have: they would quantize nothing while the config
 * counts as quantized. Says which, or null when all fit.
 */
function fitLayers(config: Config): { config: Config; notice: ConfigNotice | null } {
  const { kept, outside } = splitLayers(config);
  if (outside.length === 0) return { config, notice: null };
  const plural = outside.length > 1;
  const head = `layers: ${layerRangeText(config)}; the override${plural ? 's' : ''} for layer${plural ? 's' : ''} `;
  const tail = ` ${plural ? 'are' : 'is'} ignored.`;
  const list = listWithin(outside.map(String), NOTICE_CHARS - head.length - tail.length);
  return { config: { ...config, layers: kept }, notice: { level: 'error', key: 'layers', message: `${head}${list}${tail}` } };
}

/** "hide: unknown panel names "sidebar", "menu" ignored; the panels are ...". */
function hideNotice(bad: string[]): string {
  const names = bad.slice(0, 20).map((name) => quoteValue(name, 20));
  const head = `hide: unknown panel name${bad.length > 1 ? 's' : ''} `;
  const panels = ` ignored; the panels are ${PANEL_NAMES.join(', ')}.`;
  // Junk names leave no room for the panel list; naming what was ignored matters more.
  const tail = head.length + names[0].length + panels.length <= NOTICE_CHARS ? panels : ' ignored.';
  return `${head}${listWithin(names, NOTICE_CHARS - head.length - tail.length, bad.length)}${tail}`;
}

/** Every value of each key, keys in the order they first appear. */
function groupParams(search: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(search.startsWith('?') ? search.slice(1) : search)) {
    const values = groups.get(key);
    if (values) values.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

/**
 * A repeated key: the last one wins, so `&key=value` appended to a shared link overrides it.
 * Returns the value used and, for a repeat, the notice saying so.
 */
function lastValue(key: string, values: string[]): { value: string; notice: ConfigNotice | null } {
  const value = values[values.length - 1];
  if (values.length === 1) return { value, notice: null };
  return { value, notice: { level: 'info', key, message: `${key} appears ${values.length} times; the last one (${quoteValue(value)}) is used.` } };
}

/**
 * The validated values of the known keys in a query, and what was wrong with the rest.
 * `fallback` says what a refused value leaves in place ("using the default 3").
 */
function readQuery(search: string, fallback: (key: ConfigKey) => string): { values: Partial<Config>; notices: ConfigNotice[] } {
  const groups = groupParams(search);
  const notices: ConfigNotice[] = [];
  const values: Partial<Record<ConfigKey, unknown>> = {};
  const unknown: string[] = [];

  const versions = groups.get('v');
  if (versions) {
    const { value: version, notice } = lastValue('v', versions);
    if (notice) notices.push(notice);
    if (version !== String(CONFIG_VERSION)) {
      notices.push({
        level: 'error',
        key: 'v',
        message: /^\d{1,9}$/.test(version) && Number(version) > CONFIG_VERSION
          ? `This link was made by a newer version of the playground (v=${version}); settings it knows are used, the rest fall back to defaults.`
          : `v=${quoteValue(version)} is not a known config version; reading the link as v=${CONFIG_VERSION}.`,
      });
    }
  }

  for (const [key, all] of groups) {
    if (key === 'v') continue;
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      unknown.push(key);
      continue;
    }
    const field = key as ConfigKey;
    const { value, notice } = lastValue(key, all);
    if (notice) notices.push(notice);
    let input = fromUrlString(field, value);
    if (field === 'hide') {
      // One mistyped panel name should not unhide the others.
      const names = input as string[];
      const bad = names.filter((name) => !(PANEL_NAMES as readonly string[]).includes(name));
      if (bad.length > 0) {
        notices.push({ level: 'error', key, message: hideNotice(bad) });
        input = names.filter((name) => (PANEL_NAMES as readonly string[]).includes(name));
      }
    }
    const parsed = (fieldSchemas[field] as z.ZodType).safeParse(input);
    if (parsed.success) values[field] = parsed.data;
    else notices.push({ level: 'error', key, message: describeIssue(field, value, parsed.error, fallback(field)) });
  }
  if (unknown.length > 0) {
    const head = `Ignored unknown URL key${unknown.length > 1 ? 's' : ''}: `;
    const list = listWithin(unknown.slice(0, 40).map((k) => clipText(k, 40)), NOTICE_CHARS - head.length - 1, unknown.length);
    notices.push({ level: 'info', message: `${head}${list}.` });
  }
  return { values: values as Partial<Config>, notices };
}

/** Whatever a message says, the page shows at most NOTICE_CHARS of it. */
function clipNotices(notices: ConfigNotice[]): ConfigNotice[] {
  return notices.map((n) => (n.message.length <= NOTICE_CHARS ? n : { ...n, message: clipText(n.message, NOTICE_CHARS) }));
}

/**
 * Reads a query string. Never throws: every bad value is replaced by its default and named in a
 * notice, unknown keys are ignored with a notice, a repeated key takes its last value with a
 * notice, and a newer version key is reported.
 */
export function decodeConfig(search: string): DecodedConfig {
  const { values, notices } = readQuery(search, usingDefault);
  const fitted = fitLayers(configSchema.parse(values));
  const config = fitted.config;
  return { config, notices: clipNotices([...notices, ...(fitted.notice ? [fitted.notice] : []), ...crossFieldNotices(config)]) };
}

/**
 * Replaces only the keys a partial query names ("weights=fixed:bits=2&inputBits=8"), validated as
 * decodeConfig validates them; a bad value is noticed and the config's own value kept. Lessons use
 * it to set a step's keys without touching the rest.
 */
export function applyQuery(config: Config, query: string): DecodedConfig {
  // A refused value leaves the config's own one in place, not the default: say which.
  const { values, notices } = readQuery(query, (key) => `keeping ${toUrlString(key, config[key]) || '(none)'}`);
  // As in updateConfig: a model change drops the overrides of layers it does not have.
  const fitted = fitLayers({ ...config, ...values });
  const next = fitted.config;
  // Only cross-field notices this query caused; the config's standing ones were shown already.
  const before = new Set(crossFieldNotices(config).map((n) => n.message));
  return {
    config: next,
    notices: clipNotices([...notices, ...(fitted.notice ? [fitted.notice] : []), ...crossFieldNotices(next).filter((n) => !before.has(n.message))]),
  };
}

/** Checks that relate two fields; they only inform, values stay as given. */
function crossFieldNotices(config: Config): ConfigNotice[] {
  const notices: ConfigNotice[] = [];
  if (config.batch > config.trainSize) {
    notices.push({ level: 'info', key: 'batch', message: `batch=${config.batch} is larger than trainSize=${config.trainSize}: each epoch is one batch of ${config.trainSize}.` });
  }
  return notices;
}

/**
 * Validates one knob value coming from the page. Returns the new config or a message; the old
 * config is kept on error so nothing the user made is lost. Numeric keys and `hidden` also take
 * the typed text, read as the URL reads it, so the message quotes what was typed.
 *
 * `layers` naming a layer the model does not have is refused; a `model` or `hidden` change that
 * leaves existing overrides without their layer drops those overrides (the user asked for the
 * model; the overrides of its missing layers cannot apply).
 */
export function updateConfig<K extends ConfigKey>(
  config: Config,
  key: K,
  value: unknown,
): { ok: true; config: Config } | { ok: false; message: string } {
  const typed = typeof value === 'string' && FIELD_CODECS[key].typed === true;
  const parsed = (fieldSchemas[key] as z.ZodType).safeParse(typed ? fromUrlString(key, value as string) : value);
  if (!parsed.success) {
    let text: string;
    try {
      text = typeof value === 'string' ? value : value !== null && typeof value === 'object' ? toUrlString(key, value as Config[K]) : String(value);
    } catch {
      text = String(value);
    }
    return { ok: false, message: describeIssue(key, text, parsed.error, null) };
  }
  const next = { ...config, [key]: parsed.data as Config[K] };
  if (key === 'layers') {
    const { outside } = splitLayers(next);
    if (outside.length > 0) {
      const head = `layers: ${layerRangeText(next)}; there ${outside.length > 1 ? 'are no layers' : 'is no layer'} `;
      return { ok: false, message: clipText(`${head}${listWithin(outside.map(String), NOTICE_CHARS - head.length - 1)}.`, NOTICE_CHARS) };
    }
  }
  return { ok: true, config: key === 'model' || key === 'hidden' ? fitLayers(next).config : next };
}
