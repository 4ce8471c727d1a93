import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_ENERGY_TABLE,
  ENERGY_TABLE_SOURCES,
  ENERGY_TABLE_UNITS,
  HOROWITZ_SRAM_1MB_PJ_PER_64_BIT,
  validateEnergyTable,
  type EnergyTable,
} from '../../src/core/cost/energyTable';
import {
  estimateCost,
  operatorModel,
  type ActivationScheme,
  type CostConfig,
  type CostEstimate,
  type WeightScheme,
} from '../../src/core/cost/estimate';
import { parameterCount, type ArchitectureConfig } from '../../src/core/models';

const T = DEFAULT_ENERGY_TABLE;
const ALADDIN: EnergyTable = { ...T, shiftCost: 'aladdin' };
const HOROWITZ_SRAM: EnergyTable = { ...T, sramPJPer64Bit: HOROWITZ_SRAM_1MB_PJ_PER_64_BIT };

const FLOAT_RELU: ActivationScheme = { kind: 'relu' };
const SIGN: ActivationScheme = { kind: 'sign' };

function mlp1(weights: WeightScheme, activations: ActivationScheme, inputBits = 8): CostConfig {
  return { model: 'mlp1', weights, activations, inputBits };
}

/** Relative closeness: hand sums and the code add in different orders. */
function expectClose(actual: number, expected: number, relative = 1e-9) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * relative + 1e-12);
}

// mlp1 is 784-100-10: layer 1 has 78,400 MACs with fan-in 784 (ceil(log2) = 10), layer 2 has
// 1,000 MACs with fan-in 100 (ceil(log2) = 7); 110 biases; 79,510 parameters.
const L1_MACS = 784 * 100;
const L2_MACS = 100 * 10;
const MACS = L1_MACS + L2_MACS;
const BIASES = 100 + 10;
const PARAMS = 79_510;
const SRAM_PJ_PER_BIT = T.sramPJPer64Bit / 64;
/** Integer add at w bits, QKeras's law written out. */
const add = (w: number, table: EnergyTable = T) => table.intAddPJPerBit * w;
/** Horowitz's add area line through the 8- and 32-bit points. */
const addArea = (w: number) => T.intAdd8AreaUm2 + ((w - 8) * (T.intAdd32AreaUm2 - T.intAdd8AreaUm2)) / 24;

describe('estimateCost on mlp1, checked against hand sums', () => {
  it('mlp1 has the seed counts', () => {
    expect(parameterCount({ model: 'mlp1' })).toBe(PARAMS);
    const cost = estimateCost(mlp1({ kind: 'float32' }, FLOAT_RELU));
    expect(cost.layers.reduce((s, l) => s + l.macs, 0)).toBe(MACS);
  });

  it('float32 weights, float activations (Conventional)', () => {
    const cost = estimateCost(mlp1({ kind: 'float32' }, FLOAT_RELU));
    // Every MAC: one fp32 multiply and one fp32 add.
    const compute = MACS * (T.floatMult32PJ + T.floatAdd32PJ);
    // 32-bit weights and biases (318,040 bytes: fits the 1 MiB SRAM); 8-bit pixels in; 32-bit floats after.
    const weightBits = MACS * 32 + BIASES * 32;
    const activationBits = 784 * 8 + 100 * 32 + (100 * 32 + 10 * 32);
    expect(cost.weightsInSram).toBe(true);
    expectClose(cost.computePJ, compute);
    expectClose(cost.memoryPJ, (weightBits + activationBits) * SRAM_PJ_PER_BIT);
    expectClose(cost.energyPJ, cost.computePJ + cost.memoryPJ);
    expect(cost.storageBits).toBe(PARAMS * 32);
    expect(cost.weightMemoryBits).toBe(weightBits);
    expectClose(cost.areaUm2, 2 * (T.floatMult32AreaUm2 + T.floatAdd32AreaUm2));
  });

  it('fixed 8-bit weights, 8-bit activations', () => {
    const cost = estimateCost(mlp1({ kind: 'fixed', bits: 8 }, { kind: 'relu', bits: 8 }));
    const mult8x8 = T.intMultPJPerBitSquared * 8 * 8 + T.intMultPJPerBit * Math.sqrt(8 * 8);
    expectClose(mult8x8, 0.2, 1e-6); // QKeras's law hits Horowitz's 8-bit point
    // Accumulators: 8 + 8 + ceil(log2 784) = 26 bits; 8 + 8 + ceil(log2 100) = 23 bits.
    const compute = L1_MACS * (mult8x8 + add(26)) + L2_MACS * (mult8x8 + add(23));
    const weightBits = MACS * 8 + BIASES * 32;
    const activationBits = 784 * 8 + 100 * 8 + (100 * 8 + 10 * 32);
    expectClose(cost.computePJ, compute);
    expectClose(cost.memoryPJ, (weightBits + activationBits) * SRAM_PJ_PER_BIT);
    expect(cost.storageBits).toBe(PARAMS * 8);
    expectClose(cost.areaUm2, 2 * T.intMult8AreaUm2 + addArea(26) + addArea(23));
  });

  it('LightNN-1 with float activations, under both shift conventions', () => {
    for (const table of [T, ALADDIN]) {
      const cost = estimateCost(mlp1({ kind: 'lightnn', k: 1 }, FLOAT_RELU), table);
      // One shift of the 32-bit float word and the fp32 accumulate per MAC.
      const shift = add(32) * (table.shiftCost === 'aladdin' ? 0.797 / 0.2104 : 1);
      const compute = MACS * (shift + T.floatAdd32PJ);
      const weightBits = MACS * 4 + BIASES * 32;
      const activationBits = 784 * 8 + 100 * 32 + (100 * 32 + 10 * 32);
      expectClose(cost.computePJ, compute);
      expectClose(cost.memoryPJ, (weightBits + activationBits) * SRAM_PJ_PER_BIT);
      expect(cost.storageBits).toBe(PARAMS * 4);
    }
  });

  it('BinaryNet (binary weights, sign activations)', () => {
    const cost = estimateCost(mlp1({ kind: 'binary', scale: 'none' }, SIGN));
    // Layer 1: 8-bit pixels times +-1 is one add/subtract into a 8 + 1 + 10 = 19-bit accumulator.
    // Layer 2: XNOR of two bits plus one popcount bit, each a 1-bit add.
    const compute = L1_MACS * add(19) + L2_MACS * (add(1) + add(1));
    const weightBits = MACS * 1 + BIASES * 32;
    const activationBits = 784 * 8 + 100 * 1 + (100 * 1 + 10 * 32);
    expectClose(cost.computePJ, compute);
    expectClose(cost.memoryPJ, (weightBits + activationBits) * SRAM_PJ_PER_BIT);
    expect(cost.storageBits).toBe(PARAMS);
    expectClose(cost.areaUm2, addArea(19) + 2 * addArea(1));
  });

  it('fixed 8-bit weights on float activations use a float32 datapath with an 8-bit significand', () => {
    const cost = estimateCost(mlp1({ kind: 'fixed', bits: 8 }, FLOAT_RELU));
    // Float multiply core: significand product (QKeras law, product of widths) plus exponent add,
    // mapped by the power law through Horowitz's fp16 and fp32 multiplies.
    const core = (e: number, sa: number, sb: number) =>
      T.intMultPJPerBitSquared * sa * sb + T.intMultPJPerBit * Math.sqrt(sa * sb) + T.intAddPJPerBit * e;
    const gamma = Math.log(T.floatMult32PJ / T.floatMult16PJ) / Math.log(core(8, 24, 24) / core(5, 11, 11));
    const mult8x24 = T.floatMult16PJ * Math.pow(core(8, 8, 24) / core(5, 11, 11), gamma);
    expect(mult8x24).toBeLessThan(T.floatMult32PJ);
    expectClose(cost.computePJ, MACS * (mult8x24 + T.floatAdd32PJ));
  });

  it("charges one fp32 multiply per output for binary weights with scale 'l1'", () => {
    const none = estimateCost(mlp1({ kind: 'binary', scale: 'none' }, FLOAT_RELU));
    const l1 = estimateCost(mlp1({ kind: 'binary', scale: 'l1' }, FLOAT_RELU));
    expectClose(l1.computePJ - none.computePJ, BIASES * T.floatMult32PJ, 1e-6);
    expectClose(l1.areaUm2 - none.areaUm2, 2 * T.floatMult32AreaUm2, 1e-6);
    expect(l1.memoryPJ).toBe(none.memoryPJ);
  });

  it('batch norm: an fp32 multiply and add per hidden output, two more 32-bit words per hidden unit', () => {
    const plain = mlp1({ kind: 'binary', scale: 'none' }, FLOAT_RELU);
    const without = estimateCost(plain);
    const withNorm = estimateCost({ ...plain, batchNorm: true });
    // Only the 100 hidden outputs: the output layer is not normalised.
    expectClose(withNorm.computePJ - without.computePJ, 100 * (T.floatMult32PJ + T.floatAdd32PJ), 1e-6);
    expectClose(withNorm.memoryPJ - without.memoryPJ, 100 * 2 * 32 * SRAM_PJ_PER_BIT, 1e-9);
    expectClose(withNorm.areaUm2 - without.areaUm2, T.floatMult32AreaUm2 + T.floatAdd32AreaUm2, 1e-6);
    expect(withNorm.weightMemoryBits - without.weightMemoryBits).toBe(100 * 64);
    expect(withNorm.layers.map((l) => l.normPJ > 0)).toEqual([true, false]);
    expect(withNorm.assumptions.join(' ')).toMatch(/Batch norm/);
  });
});

describe('operator model', () => {
  it('integer laws reproduce Horowitz 8- and 32-bit points', () => {
    const ops = operatorModel();
    expectClose(ops.intMultiply(8, 8).energyPJ, 0.2, 1e-6);
    expectClose(ops.intMultiply(32, 32).energyPJ, 3.1, 1e-6);
    expectClose(ops.intAdd(32).energyPJ, 0.1);
    expectClose(ops.intMultiply(8, 8).areaUm2, T.intMult8AreaUm2);
    expectClose(ops.intMultiply(32, 32).areaUm2, T.intMult32AreaUm2);
    expectClose(ops.intAdd(8).areaUm2, T.intAdd8AreaUm2);
    expectClose(ops.intAdd(32).areaUm2, T.intAdd32AreaUm2);
    // Product of widths: 4x16 costs the same as 8x8.
    expectClose(ops.intMultiply(4, 16).energyPJ, ops.intMultiply(8, 8).energyPJ);
  });

  it('minifloat model reproduces the fp16 (E5M10) and fp32 (E8M23) points within 15%', () => {
    for (const table of [T, ALADDIN]) {
      const ops = operatorModel(table);
      const within15 = (actual: number, expected: number) =>
        expect(Math.abs(actual / expected - 1)).toBeLessThanOrEqual(0.15);
      within15(ops.floatMultiply(5, 11, 11).energyPJ, 1.1);
      within15(ops.floatMultiply(8, 24, 24).energyPJ, 3.7);
      within15(ops.floatAdd(5, 10).energyPJ, 0.4);
      within15(ops.floatAdd(8, 23).energyPJ, 0.9);
      within15(ops.floatMultiply(5, 11, 11).areaUm2, 1640);
      within15(ops.floatMultiply(8, 24, 24).areaUm2, 7700);
      within15(ops.floatAdd(5, 10).areaUm2, 1360);
      within15(ops.floatAdd(8, 23).areaUm2, 4184);
      // The power-law calibration is in fact exact at both points.
      expectClose(ops.floatMultiply(5, 11, 11).energyPJ, 1.1);
      expectClose(ops.floatMultiply(8, 24, 24).energyPJ, 3.7);
    }
  });

  it('a E8M23 minifloat costs exactly what float32 costs', () => {
    const asMinifloat = estimateCost(mlp1({ kind: 'minifloat', exponentBits: 8, mantissaBits: 23 }, FLOAT_RELU));
    const asFloat32 = estimateCost(mlp1({ kind: 'float32' }, FLOAT_RELU));
    expectClose(asMinifloat.energyPJ, asFloat32.energyPJ);
    expectClose(asMinifloat.areaUm2, asFloat32.areaUm2);
    expect(asMinifloat.storageBits).toBe(asFloat32.storageBits);
  });

  it('small minifloats sit below fp16 and float multiplies stay above integer ones of the same significand', () => {
    const ops = operatorModel();
    const fp8 = ops.floatMultiply(4, 4, 4).energyPJ; // E4M3
    expect(fp8).toBeLessThan(1.1);
    expect(fp8).toBeGreaterThan(ops.intMultiply(4, 4).energyPJ);
  });
});

describe("seed 003's order on mlp1", () => {
  const seven: [string, WeightScheme, ActivationScheme][] = [
    ['BinaryNet', { kind: 'binary', scale: 'none' }, SIGN],
    ['LightNN-1-bin', { kind: 'lightnn', k: 1 }, SIGN],
    ['LightNN-2-bin', { kind: 'lightnn', k: 2 }, SIGN],
    ['BinaryConnect', { kind: 'binary', scale: 'none' }, FLOAT_RELU],
    ['LightNN-1', { kind: 'lightnn', k: 1 }, FLOAT_RELU],
    ['LightNN-2', { kind: 'lightnn', k: 2 }, FLOAT_RELU],
    ['Conventional', { kind: 'float32' }, FLOAT_RELU],
  ];
  const costs = (table: EnergyTable) =>
    Object.fromEntries(seven.map(([name, w, a]) => [name, estimateCost(mlp1(w, a), table)])) as Record<
      string,
      CostEstimate
    >;
  const expectSeedOrder = (value: Record<string, number>) => {
    for (const middle of ['LightNN-1-bin', 'LightNN-2-bin', 'BinaryConnect']) {
      expect(value.BinaryNet).toBeLessThan(value[middle]);
      expect(value[middle]).toBeLessThan(value['LightNN-1']);
    }
    expect(value['LightNN-1']).toBeLessThan(value['LightNN-2']);
    expect(value['LightNN-2']).toBeLessThan(value.Conventional);
  };
  const pick = (c: Record<string, CostEstimate>, key: 'energyPJ' | 'computePJ' | 'areaUm2') =>
    Object.fromEntries(Object.entries(c).map(([name, e]) => [name, e[key]]));

  it('holds for total energy with the default table, under both shift conventions', () => {
    expectSeedOrder(pick(costs(T), 'energyPJ'));
    expectSeedOrder(pick(costs(ALADDIN), 'energyPJ'));
  });

  it('holds for compute energy and datapath area whatever the memory numbers', () => {
    for (const table of [T, ALADDIN, HOROWITZ_SRAM]) {
      expectSeedOrder(pick(costs(table), 'computePJ'));
      expectSeedOrder(pick(costs(table), 'areaUm2'));
    }
  });

  it("breaks only at LightNN-2-bin vs LightNN-1 with Horowitz's 1 MB cache row (weight reads dominate)", () => {
    const energy = pick(costs(HOROWITZ_SRAM), 'energyPJ');
    expect(energy['LightNN-2-bin']).toBeGreaterThan(energy['LightNN-1']);
    const withoutL2bin = { ...energy, 'LightNN-2-bin': energy['LightNN-1-bin'] };
    expectSeedOrder(withoutL2bin);
  });
});

describe('memory placement', () => {
  const big: ArchitectureConfig = { model: 'mlp', hidden: [4096, 4096, 4096] };
  const WEIGHTS = 784 * 4096 + 4096 * 4096 * 2 + 4096 * 10;
  const BIG_BIASES = 4096 * 3 + 10;
  const eightMiB: EnergyTable = { ...T, sramBytes: 8 * 1024 * 1024 };

  it('a model that shrinks into the SRAM shows the memory drop', () => {
    expect(parameterCount(big)).toBe(WEIGHTS + BIG_BIASES);
    const float = estimateCost({ ...big, weights: { kind: 'float32' }, activations: FLOAT_RELU, inputBits: 8 }, eightMiB);
    const binary = estimateCost(
      { ...big, weights: { kind: 'binary', scale: 'none' }, activations: FLOAT_RELU, inputBits: 8 },
      eightMiB,
    );
    expect(float.weightsInSram).toBe(false); // 147 MB
    expect(binary.weightsInSram).toBe(true); // 4.65 MB
    const activationBits = 784 * 8 + 3 * 4096 * 32 + (3 * 4096 * 32 + 10 * 32);
    expectClose(
      float.memoryPJ,
      (WEIGHTS * 32 + BIG_BIASES * 32) * T.dramPJPerBit + activationBits * SRAM_PJ_PER_BIT,
    );
    expectClose(binary.memoryPJ, (WEIGHTS + BIG_BIASES * 32 + activationBits) * SRAM_PJ_PER_BIT);
    // 32x fewer bits and each bit read from SRAM instead of DRAM.
    expect(float.memoryPJ / binary.memoryPJ).toBeGreaterThan(32 * (T.dramPJPerBit / SRAM_PJ_PER_BIT) * 0.9);

    // The same binary model with a 1 MiB buffer spills to DRAM.
    const spilled = estimateCost({ ...big, weights: { kind: 'binary', scale: 'none' }, activations: FLOAT_RELU, inputBits: 8 });
    expect(spilled.weightsInSram).toBe(false);
    expectClose(spilled.memoryPJ - binary.memoryPJ, (WEIGHTS + BIG_BIASES * 32) * (T.dramPJPerBit - SRAM_PJ_PER_BIT));
  });

  it('lenet float32 (1.72 MB) does not fit the default 1 MiB buffer, lenet 8-bit does', () => {
    const config = (weights: WeightScheme): CostConfig => ({ model: 'lenet', weights, activations: FLOAT_RELU, inputBits: 8 });
    expect(estimateCost(config({ kind: 'float32' })).weightsInSram).toBe(false);
    expect(estimateCost(config({ kind: 'fixed', bits: 8 })).weightsInSram).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const architectureArb: fc.Arbitrary<ArchitectureConfig> = fc.oneof(
  fc.constant<ArchitectureConfig>({ model: 'mlp1' }),
  fc.constant<ArchitectureConfig>({ model: 'lenet' }),
  fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 }).map((hidden) => ({ model: 'mlp' as const, hidden })),
);
const activationArb: fc.Arbitrary<ActivationScheme> = fc.oneof(
  fc.constant<ActivationScheme>({ kind: 'relu' }),
  fc.constant<ActivationScheme>({ kind: 'sign' }),
  fc.integer({ min: 1, max: 16 }).map((bits): ActivationScheme => ({ kind: 'relu', bits })),
);
const weightArb: fc.Arbitrary<WeightScheme> = fc.oneof(
  fc.constant<WeightScheme>({ kind: 'float32' }),
  fc.integer({ min: 2, max: 16 }).map((bits): WeightScheme => ({ kind: 'fixed', bits })),
  fc
    .record({ exponentBits: fc.integer({ min: 2, max: 8 }), mantissaBits: fc.integer({ min: 0, max: 23 }) })
    .map((f): WeightScheme => ({ kind: 'minifloat', ...f })),
  fc.integer({ min: 1, max: 4 }).map((k): WeightScheme => ({ kind: 'lightnn', k })),
  fc.constantFrom<WeightScheme>({ kind: 'binary', scale: 'none' }, { kind: 'binary', scale: 'l1' }),
);
// Buffer sizes around the models' weight memories, so the SRAM/DRAM switch is crossed.
const tableArb: fc.Arbitrary<EnergyTable> = fc
  .record({
    shiftCost: fc.constantFrom<EnergyTable['shiftCost']>('adder', 'aladdin'),
    sramPJPer64Bit: fc.constantFrom(T.sramPJPer64Bit, HOROWITZ_SRAM_1MB_PJ_PER_64_BIT),
    sramBytes: fc.integer({ min: 0, max: 2 * 1024 * 1024 }),
  })
  .map((overrides) => ({ ...T, ...overrides }));
const inputBitsArb = fc.integer({ min: 1, max: 8 });

/** Fewer bits never cost more: energy (and its parts that can only shrink), storage and area. */
function expectNoMoreCostly(fewer: CostEstimate, more: CostEstimate) {
  const slack = (x: number) => x * 1e-12;
  expect(fewer.energyPJ).toBeLessThanOrEqual(more.energyPJ + slack(more.energyPJ));
  expect(fewer.computePJ).toBeLessThanOrEqual(more.computePJ + slack(more.computePJ));
  expect(fewer.memoryPJ).toBeLessThanOrEqual(more.memoryPJ + slack(more.memoryPJ));
  expect(fewer.storageBits).toBeLessThanOrEqual(more.storageBits);
  expect(fewer.areaUm2).toBeLessThanOrEqual(more.areaUm2 + slack(more.areaUm2));
}

describe('fewer bits never cost more', () => {
  it('fixed-point weights: b bits vs b + 1', () => {
    fc.assert(
      fc.property(architectureArb, activationArb, inputBitsArb, fc.integer({ min: 2, max: 15 }), tableArb, (arch, a, inputBits, b, table) => {
        const at = (bits: number) => estimateCost({ ...arch, weights: { kind: 'fixed', bits }, activations: a, inputBits }, table);
        expectNoMoreCostly(at(b), at(b + 1));
      }),
      { numRuns: 300 },
    );
  });

  it('fixed-point activations: a bits vs a + 1', () => {
    fc.assert(
      fc.property(architectureArb, weightArb, inputBitsArb, fc.integer({ min: 1, max: 15 }), tableArb, (arch, w, inputBits, a, table) => {
        const at = (bits: number) => estimateCost({ ...arch, weights: w, activations: { kind: 'relu', bits }, inputBits }, table);
        expectNoMoreCostly(at(a), at(a + 1));
      }),
      { numRuns: 300 },
    );
  });

  it('input bits: i vs i + 1', () => {
    fc.assert(
      fc.property(architectureArb, weightArb, activationArb, fc.integer({ min: 1, max: 7 }), tableArb, (arch, w, a, i, table) => {
        const at = (inputBits: number) => estimateCost({ ...arch, weights: w, activations: a, inputBits }, table);
        expectNoMoreCostly(at(i), at(i + 1));
      }),
      { numRuns: 300 },
    );
  });

  it('minifloat: one more exponent or mantissa bit', () => {
    fc.assert(
      fc.property(
        architectureArb,
        activationArb,
        inputBitsArb,
        fc.integer({ min: 2, max: 7 }),
        fc.integer({ min: 0, max: 22 }),
        tableArb,
        (arch, a, inputBits, e, m, table) => {
          const at = (exponentBits: number, mantissaBits: number) =>
            estimateCost({ ...arch, weights: { kind: 'minifloat', exponentBits, mantissaBits }, activations: a, inputBits }, table);
          expectNoMoreCostly(at(e, m), at(e + 1, m));
          expectNoMoreCostly(at(e, m), at(e, m + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('LightNN: k terms vs k + 1', () => {
    fc.assert(
      fc.property(architectureArb, activationArb, inputBitsArb, fc.integer({ min: 1, max: 3 }), tableArb, (arch, a, inputBits, k, table) => {
        const at = (terms: number) => estimateCost({ ...arch, weights: { kind: 'lightnn', k: terms }, activations: a, inputBits }, table);
        expectNoMoreCostly(at(k), at(k + 1));
      }),
      { numRuns: 200 },
    );
  });
});

describe('estimate bookkeeping', () => {
  it('layers add up to the totals; storage is parameters x bits per weight', () => {
    fc.assert(
      fc.property(architectureArb, weightArb, activationArb, inputBitsArb, tableArb, (arch, w, a, inputBits, table) => {
        const cost = estimateCost({ ...arch, weights: w, activations: a, inputBits }, table);
        const sum = (pick: (l: CostEstimate['layers'][number]) => number) => cost.layers.reduce((s, l) => s + pick(l), 0);
        expectClose(sum((l) => l.computePJ), cost.computePJ);
        expectClose(sum((l) => l.memoryPJ), cost.memoryPJ);
        expectClose(sum((l) => l.areaUm2), cost.areaUm2);
        expect(sum((l) => l.storageBits)).toBe(cost.storageBits);
        expect(cost.storageBits).toBe(parameterCount(arch) * cost.bitsPerWeight);
        expect(cost.weightsInSram).toBe(cost.weightMemoryBits <= table.sramBytes * 8);
        for (const layer of cost.layers) {
          expect(layer.energyPerMacPJ).toBeGreaterThan(0);
          expect(Number.isFinite(layer.energyPJ)).toBe(true);
        }
        expect(cost.assumptions.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects out-of-range configurations', () => {
    expect(() => estimateCost(mlp1({ kind: 'float32' }, FLOAT_RELU, 0))).toThrow(RangeError);
    expect(() => estimateCost(mlp1({ kind: 'float32' }, FLOAT_RELU, 9))).toThrow(RangeError);
    expect(() => estimateCost(mlp1({ kind: 'fixed', bits: 1 }, FLOAT_RELU))).toThrow(/fixed bits/);
    expect(() => estimateCost(mlp1({ kind: 'lightnn', k: 1.5 }, FLOAT_RELU))).toThrow(/lightnn k/);
    expect(() => estimateCost(mlp1({ kind: 'float32' }, { kind: 'relu', bits: 0 }))).toThrow(RangeError);
    expect(() => estimateCost(mlp1({ kind: 'float32' }, { kind: 'relu', bits: 17 }))).toThrow(RangeError);
  });
});

describe('energy table', () => {
  it('every key has a source, and numeric keys a unit', () => {
    const keys = Object.keys(DEFAULT_ENERGY_TABLE).sort();
    expect(Object.keys(ENERGY_TABLE_SOURCES).sort()).toEqual(keys);
    expect(Object.keys(ENERGY_TABLE_UNITS).sort()).toEqual(keys.filter((k) => k !== 'shiftCost'));
    for (const source of Object.values(ENERGY_TABLE_SOURCES)) expect(source.length).toBeGreaterThan(20);
  });

  it('the default table validates cleanly, also after a JSON round trip', () => {
    expect(validateEnergyTable(DEFAULT_ENERGY_TABLE)).toEqual({ table: { ...DEFAULT_ENERGY_TABLE }, errors: [] });
    expect(validateEnergyTable(JSON.parse(JSON.stringify(DEFAULT_ENERGY_TABLE))).errors).toEqual([]);
    expect(validateEnergyTable({}).table).toEqual({ ...DEFAULT_ENERGY_TABLE });
  });

  it('keeps valid edits and reports bad values and unknown keys', () => {
    const { table, errors } = validateEnergyTable({
      floatAdd32PJ: 1.2,
      shiftCost: 'aladdin',
      dramPJPerBit: -1,
      sramBytes: Number.NaN,
      intAddPJPerBit: '0.1',
      bogus: 3,
    });
    expect(table.floatAdd32PJ).toBe(1.2);
    expect(table.shiftCost).toBe('aladdin');
    expect(table.dramPJPerBit).toBe(T.dramPJPerBit);
    expect(table.sramBytes).toBe(T.sramBytes);
    expect(table.intAddPJPerBit).toBe(T.intAddPJPerBit);
    expect(errors).toHaveLength(4);
    expect(errors.some((e) => e.startsWith('bogus'))).toBe(true);
    expect(errors.some((e) => e.startsWith('dramPJPerBit'))).toBe(true);
    expect(errors.some((e) => e.startsWith('sramBytes'))).toBe(true);
    expect(errors.some((e) => e.startsWith('intAddPJPerBit'))).toBe(true);
  });

  it('reports tables that would break the scaling laws', () => {
    expect(validateEnergyTable({ shiftCost: 'barrel' }).errors).toHaveLength(1);
    const inverted = validateEnergyTable({ floatMult16PJ: 5 });
    expect(inverted.errors).toHaveLength(1);
    expect(inverted.table.floatMult16PJ).toBe(T.floatMult16PJ);
    expect(validateEnergyTable({ intMult32AreaUm2: 100 }).errors).toHaveLength(1);
    expect(validateEnergyTable({ intAdd32AreaUm2: 1000 }).errors).toHaveLength(1);
    expect(validateEnergyTable(null).errors).toHaveLength(1);
    expect(validateEnergyTable([1, 2]).errors).toHaveLength(1);
  });
});

describe('per-layer weight schemes (layers overrides)', () => {
  const base = { model: 'mlp1' as const, activations: { kind: 'relu' as const }, inputBits: 8 };
  it('counts each layer at its own width in storage and energy', () => {
    const mixed = estimateCost({ ...base, weights: { kind: 'binary', scale: 'none' }, layers: [{ layer: 0, scheme: { kind: 'fixed', bits: 8 } }] });
    // Layer 0: 784*100 + 100 parameters at 8 bits; layer 1: 100*10 + 10 at 1 bit.
    expect(mixed.storageBits).toBe(78_500 * 8 + 1_010 * 1);
    expect(mixed.layers.map((l) => l.storageBits)).toEqual([78_500 * 8, 1_010]);
    const allBinary = estimateCost({ ...base, weights: { kind: 'binary', scale: 'none' } });
    const allFixed8 = estimateCost({ ...base, weights: { kind: 'fixed', bits: 8 } });
    expect(mixed.layers[0].energyPJ).toBe(allFixed8.layers[0].energyPJ);
    expect(mixed.layers[1].energyPJ).toBe(allBinary.layers[1].energyPJ);
    expect(mixed.energyPJ).toBeGreaterThan(allBinary.energyPJ);
  });

  it('resolves -1 as the last layer and lets the last matching override win', () => {
    const ends = estimateCost({
      ...base,
      weights: { kind: 'lightnn', k: 1 },
      layers: [
        { layer: -1, scheme: { kind: 'fixed', bits: 4 } },
        { layer: 1, scheme: { kind: 'fixed', bits: 8 } },
      ],
    });
    expect(ends.layers.map((l) => l.storageBits)).toEqual([78_500 * 4, 1_010 * 8]);
  });
});

describe('LightNN-1 < LightNN-2 < fixed-8 < float32 for the same model', () => {
  it.each([
    ['mlp1', { kind: 'relu' }],
    ['mlp1', { kind: 'relu', bits: 8 }],
    ['lenet', { kind: 'relu' }],
    ['lenet', { kind: 'relu', bits: 8 }],
    ['mlp', { kind: 'relu' }],
  ] as const)('%s with activations %j', (model, activations) => {
    const energy = (weights: WeightScheme) =>
      estimateCost({ model, hidden: [300, 100], weights, activations: activations as ActivationScheme, inputBits: 8 }).energyPJ;
    const lightnn1 = energy({ kind: 'lightnn', k: 1 });
    const lightnn2 = energy({ kind: 'lightnn', k: 2 });
    const fixed8 = energy({ kind: 'fixed', bits: 8 });
    const float32 = energy({ kind: 'float32' });
    expect(lightnn1).toBeLessThan(lightnn2);
    expect(lightnn2).toBeLessThan(fixed8);
    expect(fixed8).toBeLessThan(float32);
  });
});
