import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATASET_NAMES } from '../../src/core/datasets/kinds';
import {
  applyQuery,
  BACKEND_CHOICES,
  CLASSROOM_KEYS,
  CONFIG_KEYS,
  costOf,
  estimateCost,
  PANEL_NAMES,
  quantOf,
  withoutClassroomKeys,
  compactEnergyOverrides,
  CONFIG_VERSION,
  energyTableOf,
  decodeConfig,
  defaultConfig,
  encodeConfig,
  MODEL_NAMES,
  OPTIMIZERS,
  SEED003_PRESETS,
  updateConfig,
  weightLayerCount,
  isFloatConfig,
  parseDecimal,
  quoteValue,
  type Config,
} from '../../src/tf';
import { LESSON_IDS } from '../../src/lessons';
import { lrScheduleArb, weightSchemeArb } from '../helpers/arbitraries';

const activationArb = fc.oneof(
  fc.constant({ kind: 'relu' as const }),
  fc.record({ kind: fc.constant('relu' as const), bits: fc.integer({ min: 1, max: 16 }) }),
  fc.constant({ kind: 'sign' as const }),
);

/** Energy-table entries with no pairwise relation to keep (any non-negative value is legal). */
const energyArb = fc.record(
  {
    intAddPJPerBit: fc.double({ min: 0, max: 10, noNaN: true }),
    sramPJPer64Bit: fc.double({ min: 0, max: 1000, noNaN: true }),
    dramPJPerBit: fc.double({ min: 0, max: 1000, noNaN: true }),
    sramBytes: fc.integer({ min: 0, max: 2 ** 30 }),
    floatShiftBits: fc.integer({ min: 1, max: 64 }),
    shiftCost: fc.constantFrom('adder' as const, 'aladdin' as const),
  },
  { requiredKeys: [] },
);
const sweepAxisArb = fc.oneof(
  fc.record({ knob: fc.constant('weightBits' as const), values: fc.uniqueArray(fc.integer({ min: 2, max: 16 }), { minLength: 1, maxLength: 6 }) }),
  fc.record({ knob: fc.constant('inputBits' as const), values: fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ knob: fc.constant('preset' as const), values: fc.shuffledSubarray(SEED003_PRESETS.map((p) => p.id), { minLength: 1 }) }),
);
const sweepArb = fc.option(
  fc.record({ axes: fc.array(sweepAxisArb, { minLength: 1, maxLength: 1 }), mode: fc.constantFrom('ptq' as const, 'qat' as const) }),
  { nil: null },
);

const configArb: fc.Arbitrary<Config> = fc
  .record({
    data: fc.constantFrom(...DATASET_NAMES),
    model: fc.constantFrom(...MODEL_NAMES),
    hidden: fc.array(fc.integer({ min: 1, max: 8192 }), { minLength: 1, maxLength: 8 }),
    lenetWidths: fc.array(fc.integer({ min: 1, max: 8192 }), { minLength: 3, maxLength: 3 }),
    batchNorm: fc.boolean(),
    trainSize: fc.integer({ min: 10, max: 60_000 }),
    testSize: fc.integer({ min: 10, max: 10_000 }),
    epochs: fc.integer({ min: 1, max: 100 }),
    batch: fc.integer({ min: 1, max: 4096 }),
    lr: fc.double({ min: 1e-6, max: 10, noNaN: true }),
    optimizer: fc.constantFrom(...OPTIMIZERS),
    momentum: fc.double({ min: 0, max: 0.999, noNaN: true }),
    lrSchedule: lrScheduleArb,
    dataSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    initSeed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    backend: fc.constantFrom(...BACKEND_CHOICES),
    weights: weightSchemeArb,
    activations: activationArb,
    inputBits: fc.integer({ min: 1, max: 8 }),
    // A position, mapped below onto the layers the model has (-count to count - 1).
    layers: fc.array(fc.record({ layer: fc.nat(), scheme: weightSchemeArb }), { maxLength: 3 }),
    training: fc.constantFrom('float' as const, 'qat' as const),
    energy: energyArb,
    sweep: sweepArb,
    lesson: fc.option(fc.constantFrom(...LESSON_IDS), { nil: null }),
    hide: fc.uniqueArray(fc.constantFrom(...PANEL_NAMES)),
    present: fc.boolean(),
  })
  .map((config) => {
    const count = weightLayerCount(config);
    return { ...config, layers: config.layers.map((o) => ({ ...o, layer: (o.layer % (2 * count)) - count })) };
  });

describe('config URL encoding', () => {
  it('round-trips every valid config exactly (hidden only for model=mlp, lenetWidths only for lenet)', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const { config: back, notices } = decodeConfig(encodeConfig(config));
        const expected = {
          ...config,
          ...(config.model === 'mlp' ? {} : { hidden: defaultConfig().hidden }),
          ...(config.model === 'lenet' ? {} : { lenetWidths: defaultConfig().lenetWidths }),
        };
        expect(notices.filter((n) => n.level === 'error')).toEqual([]);
        expect(back).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the version key first and keeps comma lists readable', () => {
    const text = encodeConfig({ ...defaultConfig(), model: 'mlp', hidden: [4096, 4096, 4096] });
    expect(text.startsWith(`v=${CONFIG_VERSION}&`)).toBe(true);
    expect(text).toContain('hidden=4096,4096,4096');
  });

  it('reads the documented keys', () => {
    const { config, notices } = decodeConfig('?model=mlp1&trainSize=2000&testSize=1000&epochs=1');
    expect(notices).toEqual([]);
    expect(config).toMatchObject({ model: 'mlp1', trainSize: 2000, testSize: 1000, epochs: 1, batch: 32 });
  });

  it('replaces each bad value by its default and names it', () => {
    const { config, notices } = decodeConfig('model=resnet&epochs=-2&lr=abc&batch=1.5&hidden=100,,3&backend=tpu&trainSize=70000');
    expect(config).toEqual({ ...defaultConfig() });
    const byKey = Object.fromEntries(notices.map((n) => [n.key, n.message]));
    expect(byKey.model).toBe('model="resnet" is not valid (must be one of mlp1, lenet, mlp, cifar3conv, cifar6conv); using the default mlp1.');
    expect(byKey.epochs).toBe('epochs="-2" is not valid (must be an integer from 1 to 100); using the default 3.');
    expect(byKey.lr).toMatch(/^lr="abc" is not valid \(must be a number from 0.000001 to 10\)/);
    expect(byKey.batch).toMatch(/^batch="1.5"/);
    expect(byKey.hidden).toMatch(/^hidden="100,,3" is not valid/);
    expect(byKey.backend).toMatch(/must be one of auto, webgpu, webgl, wasm, cpu/);
    expect(byKey.trainSize).toMatch(/from 10 to 60000/);
    expect(notices.every((n) => n.level === 'error')).toBe(true);
  });

  it('keeps good values next to bad ones', () => {
    const { config, notices } = decodeConfig('model=lenet&epochs=zero');
    expect(config.model).toBe('lenet');
    expect(config.epochs).toBe(3);
    expect(notices).toHaveLength(1);
  });

  it('ignores unknown keys with an info notice, and reports a newer version', () => {
    const { notices } = decodeConfig('foo=1&bar=2&v=99');
    expect(notices.map((n) => n.message)).toEqual([
      'This link was made by a newer version of the playground (v=99); settings it knows are used, the rest fall back to defaults.',
      'Ignored unknown URL keys: foo, bar.',
    ]);
  });

  it('never throws on arbitrary query strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (k, v) => {
        const params = new URLSearchParams();
        params.set(k, v);
        params.set('epochs', v);
        const { config } = decodeConfig(params.toString());
        expect(config.epochs).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});

describe('quantization keys in the URL', () => {
  it('reads readable scheme strings', () => {
    const { config, notices } = decodeConfig(
      'weights=lightnn:k=2,rounding=stochastic&activations=relu:bits=8&inputBits=2&layers=0=fixed:bits=8;-1=fixed:bits=8&training=qat',
    );
    expect(notices).toEqual([]);
    expect(config.weights).toEqual({ kind: 'lightnn', k: 2, rounding: 'stochastic' });
    expect(config.activations).toEqual({ kind: 'relu', bits: 8 });
    expect(config.inputBits).toBe(2);
    expect(config.layers).toEqual([
      { layer: 0, scheme: { kind: 'fixed', bits: 8 } },
      { layer: -1, scheme: { kind: 'fixed', bits: 8 } },
    ]);
    expect(config.training).toBe('qat');
    expect(encodeConfig(config)).toContain('weights=lightnn:k=2,rounding=stochastic&activations=relu:bits=8&inputBits=2&layers=0=fixed:bits=8;-1=fixed:bits=8&training=qat');
  });

  it('refuses bad schemes with a message and keeps the default', () => {
    const { config, notices } = decodeConfig('weights=fixed:bits=1&activations=tanh&inputBits=9');
    expect(config.weights).toEqual({ kind: 'float32' });
    expect(config.activations).toEqual({ kind: 'relu' });
    expect(notices.map((n) => n.key)).toEqual(['weights', 'activations', 'inputBits']);
    expect(notices[0].message).toMatch(/^weights="fixed:bits=1" is not valid .*; using the default float32\.$/);
    expect(decodeConfig('weights=lightnn:k=2,colour=red').notices[0].message).toMatch(/weights="lightnn:k=2,colour=red" is not valid/);
    expect(decodeConfig('weights=minifloat:exponentBits=4,mantissaBits=3,bias=500').notices[0].message).toMatch(/bias must be an integer from/);
  });
});

describe('updateConfig', () => {
  it('accepts a valid knob and refuses an out-of-range one without losing the config', () => {
    const base = { ...defaultConfig(), epochs: 7 };
    const ok = updateConfig(base, 'batch', 128);
    expect(ok).toEqual({ ok: true, config: { ...base, batch: 128 } });
    const bad = updateConfig(base, 'batch', 5000);
    expect(bad).toEqual({ ok: false, message: 'batch="5000" is not valid (must be an integer from 1 to 4096).' });
  });
});

describe('energy table and sweep keys in the URL', () => {
  it('writes only the changed energy entries, compactly, and reads them back', () => {
    const config = { ...defaultConfig(), energy: { sramBytes: 524288, shiftCost: 'aladdin' as const, dramPJPerBit: 10.5 } };
    const text = encodeConfig(config);
    expect(text).toContain('energy=sramBytes:524288,shiftCost:aladdin,dramPJPerBit:10.5');
    const { config: back, notices } = decodeConfig(text);
    expect(notices).toEqual([]);
    expect(back).toEqual(config);
    expect(energyTableOf(back)).toMatchObject({ sramBytes: 524288, shiftCost: 'aladdin', dramPJPerBit: 10.5, floatMult32PJ: 3.7 });
    // The default table writes no key.
    expect(encodeConfig(defaultConfig())).not.toContain('energy');
    expect(compactEnergyOverrides({ sramBytes: 1024 * 1024, floatAdd32PJ: 1 })).toEqual({ floatAdd32PJ: 1 });
  });

  it('refuses a bad energy table with a message naming the entry and keeps the default', () => {
    const { config, notices } = decodeConfig('energy=sramBytes:-1,foo:2');
    expect(config.energy).toEqual({});
    expect(notices[0].key).toBe('energy');
    expect(notices[0].message).toMatch(/^energy="sramBytes:-1,foo:2" is not valid \(.*sramBytes: must be a non-negative finite number.*foo: unknown key.*\); using the default \(none\)\.$/);
    // A relation the scaling laws need (fp16 <= fp32) is checked too.
    expect(decodeConfig('energy=floatMult16PJ:5').notices[0].message).toMatch(/floatMult16PJ must be > 0 and <= floatMult32PJ/);
    expect(updateConfig(defaultConfig(), 'energy', { shiftCost: 'barrel' }).ok).toBe(false);
  });

  it('reads and writes a sweep definition, not its results', () => {
    const { config, notices } = decodeConfig('sweep=weightBits:2-8,inputBits:1-8;mode=ptq');
    expect(notices).toEqual([]);
    expect(config.sweep).toEqual({
      axes: [
        { knob: 'weightBits', values: [2, 3, 4, 5, 6, 7, 8] },
        { knob: 'inputBits', values: [1, 2, 3, 4, 5, 6, 7, 8] },
      ],
      mode: 'ptq',
    });
    expect(encodeConfig(config)).toContain('sweep=weightBits:2-8,inputBits:1-8;mode=ptq');
    expect(decodeConfig('sweep=preset:all;mode=qat').config.sweep).toEqual({ axes: [{ knob: 'preset', values: SEED003_PRESETS.map((p) => p.id) }], mode: 'qat' });
    expect(encodeConfig(defaultConfig())).not.toContain('sweep');
  });

  it('refuses a bad sweep with a message', () => {
    const { config, notices } = decodeConfig('sweep=weightBits:1-8;mode=ptq');
    expect(config.sweep).toBeNull();
    expect(notices[0].message).toMatch(/^sweep="weightBits:1-8;mode=ptq" is not valid \(weightBits: values must be integers from 2 to 16, got 1\); using the default \(none\)\.$/);
    expect(decodeConfig('sweep=weightBits:2-4,lightnnK:1-2').notices[0].message).toMatch(/both set the weights/);
    expect(decodeConfig('sweep=colour:1-2').notices[0].message).toMatch(/unknown knob "colour"/);
    expect(decodeConfig('sweep=inputBits:1-8;mode=fast').notices[0].message).toMatch(/mode must be ptq or qat/);
  });
});

describe('classroom keys (lesson, hide, present)', () => {
  it('come last, and only when set', () => {
    expect(CONFIG_KEYS.slice(-3)).toEqual([...CLASSROOM_KEYS]);
    const plain = encodeConfig(defaultConfig());
    expect(plain).not.toMatch(/lesson|hide|present/);
    const text = encodeConfig({ ...defaultConfig(), weights: { kind: 'fixed', bits: 4 }, lesson: 'bits', hide: ['knobs', 'chart'], present: true });
    expect(text.endsWith('&lesson=bits&hide=knobs,chart&present=1')).toBe(true);
    expect(text.startsWith(plain.replace('weights=float32', 'weights=fixed:bits=4'))).toBe(true);
  });

  it('read back exactly', () => {
    const { config, notices } = decodeConfig('lesson=floats&hide=intro,records&present=1');
    expect(notices).toEqual([]);
    expect(config).toEqual({ ...defaultConfig(), lesson: 'floats', hide: ['intro', 'records'], present: true });
    expect(decodeConfig('lesson=none&hide=&present=0').config).toEqual(defaultConfig());
    expect(decodeConfig('present=true').config.present).toBe(true);
  });

  it('refuses an unknown lesson like any bad value', () => {
    const { config, notices } = decodeConfig('lesson=quantum&epochs=2');
    expect(config.lesson).toBeNull();
    expect(config.epochs).toBe(2);
    expect(notices).toEqual([
      { level: 'error', key: 'lesson', message: `lesson="quantum" is not valid (must be one of ${LESSON_IDS.join(', ')}); using the default none.` },
    ]);
  });

  it('drops unknown panel names, naming them and the valid ones, and keeps the rest', () => {
    const { config, notices } = decodeConfig('hide=knobs,sidebar,chart,menu');
    expect(config.hide).toEqual(['knobs', 'chart']);
    expect(notices).toHaveLength(1);
    expect(notices[0].key).toBe('hide');
    expect(notices[0].message).toBe(`hide: unknown panel names "sidebar", "menu" ignored; the panels are ${PANEL_NAMES.join(', ')}.`);
    expect(decodeConfig('hide=knobs,knobs').config.hide).toEqual(['knobs']);
  });

  it('refuses a present value other than 0 or 1', () => {
    const { config, notices } = decodeConfig('present=yes');
    expect(config.present).toBe(false);
    expect(notices[0].message).toBe('present="yes" is not valid (must be 0 or 1); using the default 0.');
  });

  it('are validated by updateConfig too', () => {
    expect(updateConfig(defaultConfig(), 'lesson', 'pareto').ok).toBe(true);
    expect(updateConfig(defaultConfig(), 'lesson', 'nope').ok).toBe(false);
    expect(updateConfig(defaultConfig(), 'hide', ['knobs']).ok).toBe(true);
    expect(updateConfig(defaultConfig(), 'hide', ['sidebar']).ok).toBe(false);
    expect(updateConfig(defaultConfig(), 'present', 1).ok).toBe(false);
  });

  it('change nothing the quantization or the cost model sees', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const plain = withoutClassroomKeys(config);
        const classroom = { ...plain, lesson: LESSON_IDS[0], hide: [...PANEL_NAMES], present: true };
        expect(quantOf(classroom)).toEqual(quantOf(plain));
        expect(costOf(classroom)).toEqual(costOf(plain));
        let a: unknown;
        let b: unknown;
        try {
          a = estimateCost(plain);
        } catch (error) {
          a = String(error);
        }
        try {
          b = estimateCost(classroom);
        } catch (error) {
          b = String(error);
        }
        expect(b).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });
});

describe('applyQuery', () => {
  const base: Config = { ...defaultConfig(), epochs: 7, weights: { kind: 'fixed', bits: 4 }, lesson: 'bits' };

  it('replaces only the keys the query names', () => {
    const { config, notices } = applyQuery(base, 'weights=fixed:bits=2&inputBits=2');
    expect(notices).toEqual([]);
    expect(config).toEqual({ ...base, weights: { kind: 'fixed', bits: 2 }, inputBits: 2 });
    expect(applyQuery(base, '').config).toEqual(base);
    expect(applyQuery(base, '?layers=0=fixed:bits=8').config.layers).toEqual([{ layer: 0, scheme: { kind: 'fixed', bits: 8 } }]);
  });

  it('keeps the old value where the query has a bad one, with the same notice as decodeConfig', () => {
    const { config, notices } = applyQuery(base, 'weights=fixed:bits=1&inputBits=3&colour=red');
    expect(config).toEqual({ ...base, inputBits: 3 });
    expect(notices.map((n) => n.message)).toEqual([
      decodeConfig('weights=fixed:bits=1').notices[0].message.replace('using the default float32', 'keeping fixed:bits=4'),
      'Ignored unknown URL key: colour.',
    ]);
    const hide = applyQuery(base, 'hide=knobs,sidebar');
    expect(hide.config.hide).toEqual(['knobs']);
    expect(hide.notices[0].message).toMatch(/unknown panel name "sidebar"/);
  });

  it('reports cross-field notices the query caused, not the ones the config had', () => {
    const caused = applyQuery({ ...base, trainSize: 100 }, 'batch=200');
    expect(caused.notices.map((n) => n.key)).toEqual(['batch']);
    expect(applyQuery({ ...base, trainSize: 100, batch: 200 }, 'epochs=2').notices).toEqual([]);
  });
});

describe('lesson numbers', () => {
  it('lesson=1 opens the first lesson and is written back as its id; a number past the last is refused', async () => {
    const { LESSON_IDS } = await import('../../src/lessons');
    const first = decodeConfig('?lesson=1');
    expect(first.config.lesson).toBe(LESSON_IDS[0]);
    expect(first.notices).toEqual([]);
    expect(encodeConfig(first.config)).toContain(`lesson=${LESSON_IDS[0]}`);
    expect(decodeConfig(`?lesson=${LESSON_IDS.length}`).config.lesson).toBe(LESSON_IDS[LESSON_IDS.length - 1]);
    const tooFar = decodeConfig(`?lesson=${LESSON_IDS.length + 1}`);
    expect(tooFar.config.lesson).toBeNull();
    expect(tooFar.notices).toHaveLength(1);
  });
});

describe('faults in links and typed knobs (issue 11)', () => {
  const fixed = (bits: number) => ({ kind: 'fixed' as const, bits });
  const messages = (query: string) => decodeConfig(query).notices.map((n) => n.message);

  it('quotes at most 80 characters of a value, says how long it was, and keeps every notice within 200', () => {
    const { config, notices } = decodeConfig(`lr=${'a'.repeat(600_000)}`);
    expect(config.lr).toBe(defaultConfig().lr);
    expect(notices.map((n) => n.message)).toEqual([
      `lr="${'a'.repeat(80)}…" (600000 characters) is not valid (must be a number from 0.000001 to 10); using the default 0.002.`,
    ]);
    // A longer reason leaves less room: the value is quoted shorter so the notice stays within 200.
    expect(messages(`hidden=${'1,'.repeat(300_000)}`)).toEqual([
      `hidden="${'1,'.repeat(33)}1…" (600000 characters) is not valid (each width must be an integer from 1 to 8192, 1 to 8 layers); using the default 256,128.`,
    ]);
    // Reasons that quote the value again are cut too.
    const energy = messages(`energy=${'x'.repeat(5000)}:1`);
    expect(energy).toHaveLength(1);
    expect(energy[0]).toMatch(/^energy="x{20}…" \(5002 characters\) is not valid \(x{79}…\); using the default \(none\)\.$/);
    expect(messages(`v=${'9'.repeat(500)}`)).toEqual([
      `v="${'9'.repeat(80)}…" (500 characters) is not a known config version; reading the link as v=${CONFIG_VERSION}.`,
    ]);
    expect(messages(`hide=knobs,${'x'.repeat(1000)}`)).toEqual([`hide: unknown panel name "${'x'.repeat(20)}…" (1000 characters) ignored.`]);
    const manyPanels = Array.from({ length: 50 }, (_, i) => `bad${i}`);
    expect(messages(`hide=${manyPanels.join(',')}`)).toEqual([
      `hide: unknown panel names "bad0", "bad1" and 48 more ignored; the panels are ${PANEL_NAMES.join(', ')}.`,
    ]);
    expect(messages(manyPanels.map((k) => `${k}=1`).join('&'))).toEqual([
      `Ignored unknown URL keys: ${manyPanels.slice(0, 24).join(', ')} and 26 more.`,
    ]);
  });

  it('counts escapes in the 80 characters and never splits a character', () => {
    expect(quoteValue('abc')).toBe('"abc"');
    expect(quoteValue('\u0001'.repeat(100))).toBe(`"${'\\u0001'.repeat(13)}…" (100 characters)`);
    expect(quoteValue('😀'.repeat(100))).toBe(`"${'😀'.repeat(40)}…" (200 characters)`);
  });

  it('takes the last of a repeated key, says so, and then reads it as usual', () => {
    const { config, notices } = decodeConfig('?trainSize=abc&trainSize=100');
    expect(config.trainSize).toBe(100);
    expect(notices).toEqual([{ level: 'info', key: 'trainSize', message: 'trainSize appears 2 times; the last one ("100") is used.' }]);
    const bad = decodeConfig('?trainSize=100&epochs=2&trainSize=abc');
    expect(bad.config).toMatchObject({ trainSize: 10_000, epochs: 2 });
    expect(bad.notices.map((n) => n.message)).toEqual([
      'trainSize appears 2 times; the last one ("abc") is used.',
      'trainSize="abc" is not valid (must be an integer from 10 to 60000); using the default 10000.',
    ]);
    // Appending to a shared link overrides it.
    const shared = encodeConfig({ ...defaultConfig(), weights: fixed(4) });
    expect(decodeConfig(`${shared}&weights=fixed:bits=2&weights=fixed:bits=3`).config.weights).toEqual(fixed(3));
    expect(messages(`${shared}&weights=fixed:bits=2&weights=fixed:bits=3`)).toEqual(['weights appears 3 times; the last one ("fixed:bits=3") is used.']);
    expect(messages('v=1&v=1')).toEqual(['v appears 2 times; the last one ("1") is used.']);
    expect(messages('foo=1&foo=2')).toEqual(['Ignored unknown URL key: foo.']);
  });

  it('has one weight-layer count per model', () => {
    expect(weightLayerCount({ model: 'mlp1' })).toBe(2);
    expect(weightLayerCount({ model: 'lenet' })).toBe(4);
    expect(weightLayerCount({ model: 'mlp', hidden: [64, 32] })).toBe(3);
    expect(weightLayerCount({ model: 'mlp', hidden: [8, 8, 8, 8, 8, 8, 8, 8] })).toBe(9);
    // hidden only counts for model=mlp.
    expect(weightLayerCount({ model: 'mlp1', hidden: [8, 8, 8] })).toBe(2);
  });

  it('drops overrides of layers the model does not have, with a notice', () => {
    const { config, notices } = decodeConfig('layers=15=fixed:bits=2');
    expect(config.layers).toEqual([]);
    expect(isFloatConfig(quantOf(config))).toBe(true);
    expect(notices).toEqual([
      { level: 'error', key: 'layers', message: 'layers: mlp1 has 2 weight layers (0 to 1, or -2 to -1 from the end); the override for layer 15 is ignored.' },
    ]);
    const mixed = decodeConfig('layers=0=fixed:bits=8;15=fixed:bits=2;-3=fixed:bits=2;15=float32;-2=fixed:bits=4');
    expect(mixed.config.layers).toEqual([
      { layer: 0, scheme: fixed(8) },
      { layer: -2, scheme: fixed(4) },
    ]);
    expect(mixed.notices.map((n) => n.message)).toEqual(['layers: mlp1 has 2 weight layers (0 to 1, or -2 to -1 from the end); the overrides for layers 15, -3 are ignored.']);
    // The count follows model and hidden wherever they are in the query.
    expect(decodeConfig('layers=3=fixed:bits=2;-4=fixed:bits=8&model=lenet').notices).toEqual([]);
    expect(messages('layers=2=fixed:bits=2&model=mlp&hidden=64')).toEqual([
      'layers: mlp with 1 hidden layer has 2 weight layers (0 to 1, or -2 to -1 from the end); the override for layer 2 is ignored.',
    ]);
    expect(decodeConfig('layers=2=fixed:bits=2&model=mlp&hidden=64,32').notices).toEqual([]);
  });

  it('refuses typed overrides of missing layers, and a model change drops the overrides it has no layer for', () => {
    const base = defaultConfig();
    expect(updateConfig(base, 'layers', [{ layer: 15, scheme: fixed(2) }])).toEqual({
      ok: false,
      message: 'layers: mlp1 has 2 weight layers (0 to 1, or -2 to -1 from the end); there is no layer 15.',
    });
    expect(updateConfig(base, 'layers', [{ layer: 2, scheme: fixed(2) }, { layer: -3, scheme: fixed(2) }, { layer: 1, scheme: fixed(2) }])).toEqual({
      ok: false,
      message: 'layers: mlp1 has 2 weight layers (0 to 1, or -2 to -1 from the end); there are no layers 2, -3.',
    });
    expect(updateConfig(base, 'layers', [{ layer: -2, scheme: fixed(2) }]).ok).toBe(true);

    const lenet: Config = { ...base, model: 'lenet', layers: [{ layer: 3, scheme: fixed(2) }, { layer: -1, scheme: fixed(8) }, { layer: -4, scheme: fixed(8) }] };
    const toMlp1 = updateConfig(lenet, 'model', 'mlp1');
    expect(toMlp1).toEqual({ ok: true, config: { ...lenet, model: 'mlp1', layers: [{ layer: -1, scheme: fixed(8) }] } });
    const mlp: Config = { ...base, model: 'mlp', hidden: [64, 32], layers: [{ layer: 2, scheme: fixed(2) }, { layer: 0, scheme: fixed(8) }] };
    expect(updateConfig(mlp, 'hidden', [64])).toEqual({ ok: true, config: { ...mlp, hidden: [64], layers: [{ layer: 0, scheme: fixed(8) }] } });
    expect(updateConfig(mlp, 'hidden', '64, 32, 16')).toEqual({ ok: true, config: { ...mlp, hidden: [64, 32, 16] } });
    // applyQuery (lesson steps) follows the same rule.
    const step = applyQuery(lenet, 'model=mlp1');
    expect(step.config.layers).toEqual([{ layer: -1, scheme: fixed(8) }]);
    expect(step.notices.map((n) => n.message)).toEqual(['layers: mlp1 has 2 weight layers (0 to 1, or -2 to -1 from the end); the overrides for layers 3, -4 are ignored.']);
  });

  it('reads plain decimals only', () => {
    for (const [text, value] of [
      ['12', 12],
      ['-3', -3],
      ['0.001', 0.001],
      ['1e-3', 0.001],
      ['1E3', 1000],
      ['1e+21', 1e21],
      ['.5', 0.5],
      ['5.', 5],
      ['-0', 0],
    ] as const) {
      expect(parseDecimal(text), text).toBe(value);
    }
    expect(Object.is(parseDecimal('-0'), 0)).toBe(true);
    for (const text of ['', ' ', '0x10', '0X10', '0b101', '0o7', '+5', ' 5', '5 ', '5\n', 'Infinity', '-Infinity', 'NaN', '1e400', '1_000', '1,5', '.', '-', 'e3', '1e', '١٢', '５']) {
      expect(parseDecimal(text), JSON.stringify(text)).toBeNull();
    }
    // No backtracking blow-up on a long almost-number.
    expect(parseDecimal(`${'1'.repeat(200_000)}x`)).toBeNull();
  });

  it('refuses hex, binary, octal, +, whitespace, Infinity and NaN in every numeric URL value', () => {
    const { config, notices } = decodeConfig('lr=0x10&epochs=0b101&batch=%2B5&testSize=+5&trainSize=Infinity&momentum=NaN&dataSeed=1e400&initSeed=&inputBits=0o7');
    expect(config).toEqual(defaultConfig());
    expect(notices.map((n) => n.message)).toEqual([
      'lr="0x10" is not valid (must be a number from 0.000001 to 10); using the default 0.002.',
      'epochs="0b101" is not valid (must be an integer from 1 to 100); using the default 3.',
      'batch="+5" is not valid (must be an integer from 1 to 4096); using the default 32.',
      // In a query `+` is a space.
      'testSize=" 5" is not valid (must be an integer from 10 to 10000); using the default 10000.',
      'trainSize="Infinity" is not valid (must be an integer from 10 to 60000); using the default 10000.',
      'momentum="NaN" is not valid (must be a number from 0 to 0.999); using the default 0.9.',
      'dataSeed="1e400" is not valid (must be an integer from 0 to 2147483647); using the default 1.',
      'initSeed="" is not valid (must be an integer from 0 to 2147483647); using the default 1.',
      'inputBits="0o7" is not valid (must be an integer from 1 to 8); using the default 8.',
    ]);
    expect(decodeConfig('lr=1e-3&epochs=12&momentum=0.5&batch=1E2').config).toMatchObject({ lr: 0.001, epochs: 12, momentum: 0.5, batch: 100 });
    // Scheme parameters, layer indices, hidden widths and energy entries use the same codec.
    expect(messages('weights=fixed:bits=0x4')).toEqual([
      'weights="fixed:bits=0x4" is not valid (bits: Invalid input: expected number, received string); using the default float32.',
    ]);
    expect(decodeConfig('weights=fixed:bits=%2B4').notices).toHaveLength(1);
    expect(decodeConfig('activations=relu:bits=Infinity').notices).toHaveLength(1);
    expect(decodeConfig('weights=binary:scale=l1,hysteresis=5e-2').config.weights).toEqual({ kind: 'binary', scale: 'l1', hysteresis: 0.05 });
    expect(decodeConfig('layers=0x0=fixed:bits=8').config.layers).toEqual([]);
    expect(decodeConfig('layers=0x0=fixed:bits=8').notices[0].message).toMatch(/^layers="0x0=fixed:bits=8" is not valid \(/);
    expect(messages('model=mlp&hidden=64,0x20')).toEqual([
      'hidden="64,0x20" is not valid (each width must be an integer from 1 to 8192, 1 to 8 layers); using the default 256,128.',
    ]);
    expect(decodeConfig('model=mlp&hidden=+64').notices).toHaveLength(1);
    // Spaces next to a comma belong to the separator (so `64,+32`, a `+` being a space, is 64,32).
    expect(decodeConfig('model=mlp&hidden=64,+32').config.hidden).toEqual([64, 32]);
    expect(messages('energy=sramBytes:0x10')).toEqual([
      'energy="sramBytes:0x10" is not valid (sramBytes: must be a non-negative finite number, got null); using the default (none).',
    ]);
  });

  it('takes typed text for numeric knobs and quotes exactly what was typed', () => {
    const base = defaultConfig();
    expect(updateConfig(base, 'lr', 'abc')).toEqual({ ok: false, message: 'lr="abc" is not valid (must be a number from 0.000001 to 10).' });
    expect(updateConfig(base, 'lr', '0x10')).toEqual({ ok: false, message: 'lr="0x10" is not valid (must be a number from 0.000001 to 10).' });
    expect(updateConfig(base, 'epochs', '+5')).toEqual({ ok: false, message: 'epochs="+5" is not valid (must be an integer from 1 to 100).' });
    expect(updateConfig(base, 'epochs', '')).toEqual({ ok: false, message: 'epochs="" is not valid (must be an integer from 1 to 100).' });
    expect(updateConfig(base, 'lr', '1e-3')).toEqual({ ok: true, config: { ...base, lr: 0.001 } });
    expect(updateConfig(base, 'epochs', '12')).toEqual({ ok: true, config: { ...base, epochs: 12 } });
    // Sliders still pass numbers.
    expect(updateConfig(base, 'epochs', 12)).toEqual({ ok: true, config: { ...base, epochs: 12 } });
    expect(updateConfig(base, 'hidden', '64, 32')).toEqual({ ok: true, config: { ...base, hidden: [64, 32] } });
    expect(updateConfig(base, 'hidden', '64,0x20')).toEqual({
      ok: false,
      message: 'hidden="64,0x20" is not valid (each width must be an integer from 1 to 8192, 1 to 8 layers).',
    });
    const long = updateConfig(base, 'lr', '9'.repeat(1000));
    expect(long).toEqual({ ok: false, message: `lr="${'9'.repeat(80)}…" (1000 characters) is not valid (must be a number from 0.000001 to 10).` });
    // Only numeric keys read text: a string is still not a scheme.
    expect(updateConfig(base, 'weights', 'fixed:bits=4').ok).toBe(false);
  });
});
