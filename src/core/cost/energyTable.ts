/**
 * The default energy/area table: 45 nm numbers from Horowitz (ISSCC 2014), the bit-width scaling laws
 * QKeras qtools derives from them, and Aladdin's shifter/adder ratios. Every value has a source string
 * so the page can show (and let the user edit) each number together with where it comes from.
 *
 * The table is flat and JSON-able: numbers plus one option, `shiftCost`.
 */

export type ShiftCostConvention = 'adder' | 'aladdin';

export interface EnergyTable {
  // Integer arithmetic energy (pJ), QKeras laws: add(b) = k*b, mult(b) = q*b^2 + l*b.
  intAddPJPerBit: number;
  intMultPJPerBitSquared: number;
  intMultPJPerBit: number;
  // Float arithmetic energy (pJ), the two formats Horowitz measured.
  floatAdd16PJ: number;
  floatAdd32PJ: number;
  floatMult16PJ: number;
  floatMult32PJ: number;
  // Aladdin 32-bit unit energies (pJ) and areas (um^2): only their shifter/adder ratios are used.
  aladdinAdderPJ: number;
  aladdinShifterPJ: number;
  aladdinAdderAreaUm2: number;
  aladdinShifterAreaUm2: number;
  /** 'adder': a shift costs an adder of the same width (QKeras). 'aladdin': adder x shifter/adder ratio. */
  shiftCost: ShiftCostConvention;
  /** Width (bits) at which a shift of a float activation is charged (LightNN weights, float activations). */
  floatShiftBits: number;
  // Operator areas (um^2), 45 nm.
  intAdd8AreaUm2: number;
  intAdd32AreaUm2: number;
  intMult8AreaUm2: number;
  intMult32AreaUm2: number;
  floatAdd16AreaUm2: number;
  floatAdd32AreaUm2: number;
  floatMult16AreaUm2: number;
  floatMult32AreaUm2: number;
  // Memory.
  /** On-chip SRAM access per 64-bit word (weights that fit, and all activations). */
  sramPJPer64Bit: number;
  dramPJPerBit: number;
  /** On-chip weight buffer: weights (and 32-bit biases) that fit are read from SRAM, else from DRAM. */
  sramBytes: number;
}

export type EnergyTableKey = keyof EnergyTable;
export type NumericEnergyTableKey = Exclude<EnergyTableKey, 'shiftCost'>;

export const DEFAULT_ENERGY_TABLE: Readonly<EnergyTable> = Object.freeze({
  intAddPJPerBit: 0.003125,
  intMultPJPerBitSquared: 0.002994791667,
  intMultPJPerBit: 0.001041666667,
  floatAdd16PJ: 0.4,
  floatAdd32PJ: 0.9,
  floatMult16PJ: 1.1,
  floatMult32PJ: 3.7,
  aladdinAdderPJ: 0.2104,
  aladdinShifterPJ: 0.797,
  aladdinAdderAreaUm2: 278.0,
  aladdinShifterAreaUm2: 519.8,
  shiftCost: 'adder',
  floatShiftBits: 32,
  intAdd8AreaUm2: 36,
  intAdd32AreaUm2: 137,
  intMult8AreaUm2: 282,
  intMult32AreaUm2: 3495,
  floatAdd16AreaUm2: 1360,
  floatAdd32AreaUm2: 4184,
  floatMult16AreaUm2: 1640,
  floatMult32AreaUm2: 7700,
  sramPJPer64Bit: 7.74425,
  dramPJPerBit: 1300 / 64,
  sramBytes: 1024 * 1024,
});

const HOROWITZ = 'M. Horowitz, "Computing\'s energy problem (and what we can do about it)", ISSCC 2014, 45 nm';
const HOROWITZ_AREA = `${HOROWITZ}; area table as commonly reproduced from the talk's slide (not verified against the original)`;
const QKERAS = 'QKeras qtools, qkeras/qtools/settings.py (fitted to Horowitz ISSCC 2014)';
const ALADDIN = 'Aladdin (Shao et al., ISCA 2014), common/power_func.h, 40 nm, 32-bit unit';

export const ENERGY_TABLE_SOURCES: Readonly<Record<EnergyTableKey, string>> = Object.freeze({
  intAddPJPerBit: `${QKERAS}: fpm_add(b) = 0.003125*b pJ (0.1 pJ at 32 bits, as Horowitz)`,
  intMultPJPerBitSquared: `${QKERAS}: fpm_mul(b) = 0.002994791667*b^2 + 0.001041666667*b pJ (0.2 pJ at 8 bits, 3.1 at 32); unequal widths use the product of widths (Aladdin's multiplier scales with width_a*width_b)`,
  intMultPJPerBit: `${QKERAS}: linear term of fpm_mul; with unequal widths it multiplies sqrt(width_a*width_b)`,
  floatAdd16PJ: `${HOROWITZ}: 16-bit float add`,
  floatAdd32PJ: `${HOROWITZ}: 32-bit float add`,
  floatMult16PJ: `${HOROWITZ}: 16-bit float multiply`,
  floatMult32PJ: `${HOROWITZ}: 32-bit float multiply`,
  aladdinAdderPJ: `${ALADDIN}: adder dynamic energy`,
  aladdinShifterPJ: `${ALADDIN}: shifter dynamic energy (about 3.8x the adder; another copy of the library lists 0.417 pJ)`,
  aladdinAdderAreaUm2: `${ALADDIN}: adder area`,
  aladdinShifterAreaUm2: `${ALADDIN}: shifter area (another copy of the library lists 250 um^2)`,
  shiftCost:
    "Modelling choice. 'adder': QKeras qtools charges shift, mux and logic at the adder's cost for the same width; " +
    "'aladdin': shift = adder x (Aladdin shifter / adder), 0.797/0.2104 = 3.79x in energy, 519.8/278 = 1.87x in area",
  floatShiftBits:
    'Modelling choice: a LightNN shift of a float activation is charged as a shift of the 32-bit word; ' +
    'set 8 to charge it as the exponent add it really is (an 8-bit integer add for fp32)',
  intAdd8AreaUm2: `${HOROWITZ_AREA}: 8-bit integer add`,
  intAdd32AreaUm2: `${HOROWITZ_AREA}: 32-bit integer add`,
  intMult8AreaUm2: `${HOROWITZ_AREA}: 8-bit integer multiply`,
  intMult32AreaUm2: `${HOROWITZ_AREA}: 32-bit integer multiply`,
  floatAdd16AreaUm2: `${HOROWITZ_AREA}: 16-bit float add`,
  floatAdd32AreaUm2: `${HOROWITZ_AREA}: 32-bit float add`,
  floatMult16AreaUm2: `${HOROWITZ_AREA}: 16-bit float multiply`,
  floatMult32AreaUm2: `${HOROWITZ_AREA}: 32-bit float multiply`,
  sramPJPer64Bit:
    `${QKERAS}: sram_rd(x) = 0.02455x^2 - 0.2656x + 0.8661 pJ per 64-bit word, x = log2(array size in bits), ` +
    'evaluated at a 1 MiB array (x = 23): 7.744 pJ, 0.121 pJ/bit. Horowitz\'s 1 MB cache row is 100 pJ ' +
    '(HOROWITZ_SRAM_1MB_PJ_PER_64_BIT); with it weight reads swamp everything and LightNN-2-bin (8 bits/weight) ' +
    'costs more than LightNN-1 (4 bits/weight), against the order seed 003 reports',
  dramPJPerBit: `${QKERAS}: dram_rd = 20.3125 pJ/bit = Horowitz's 1300 pJ per 64-bit DRAM access / 64`,
  sramBytes:
    'Modelling choice: 1 MiB on-chip weight buffer, the array size sramPJPer64Bit is evaluated at (mlp1 float32 needs 318 KB and fits; ' +
    'lenet float32 needs 1.72 MB and goes to DRAM)',
});

export const ENERGY_TABLE_UNITS: Readonly<Record<NumericEnergyTableKey, string>> = Object.freeze({
  intAddPJPerBit: 'pJ/bit',
  intMultPJPerBitSquared: 'pJ/bit^2',
  intMultPJPerBit: 'pJ/bit',
  floatAdd16PJ: 'pJ',
  floatAdd32PJ: 'pJ',
  floatMult16PJ: 'pJ',
  floatMult32PJ: 'pJ',
  aladdinAdderPJ: 'pJ',
  aladdinShifterPJ: 'pJ',
  aladdinAdderAreaUm2: 'um^2',
  aladdinShifterAreaUm2: 'um^2',
  floatShiftBits: 'bits',
  intAdd8AreaUm2: 'um^2',
  intAdd32AreaUm2: 'um^2',
  intMult8AreaUm2: 'um^2',
  intMult32AreaUm2: 'um^2',
  floatAdd16AreaUm2: 'um^2',
  floatAdd32AreaUm2: 'um^2',
  floatMult16AreaUm2: 'um^2',
  floatMult32AreaUm2: 'um^2',
  sramPJPer64Bit: 'pJ per 64-bit access',
  dramPJPerBit: 'pJ/bit',
  sramBytes: 'bytes',
});

/**
 * Horowitz's 1 MB SRAM *cache* access, 100 pJ per 64-bit word: the alternative to the default
 * sramPJPer64Bit (QKeras's SRAM curve at 1 MiB, 7.744 pJ), for a cache rather than a scratchpad.
 */
export const HOROWITZ_SRAM_1MB_PJ_PER_64_BIT = 100;

const SHIFT_CONVENTIONS: readonly ShiftCostConvention[] = ['adder', 'aladdin'];
const NUMERIC_KEYS = Object.keys(ENERGY_TABLE_UNITS) as NumericEnergyTableKey[];

/**
 * Checks a user-supplied table (e.g. edited in the page or loaded from JSON). Missing keys take their
 * default; unknown keys, values that are not non-negative finite numbers, and value pairs that would
 * break the scaling laws are reported, and the offending entries fall back to their defaults.
 */
export function validateEnergyTable(obj: unknown): { table: EnergyTable; errors: string[] } {
  const table: EnergyTable = { ...DEFAULT_ENERGY_TABLE };
  const errors: string[] = [];
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { table, errors: ['energy table must be an object'] };
  }
  const numericKeys = new Set<string>(NUMERIC_KEYS);
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'shiftCost') {
      if (SHIFT_CONVENTIONS.includes(value as ShiftCostConvention)) table.shiftCost = value as ShiftCostConvention;
      else errors.push(`shiftCost: must be one of ${SHIFT_CONVENTIONS.join(', ')}, got ${JSON.stringify(value)}`);
    } else if (numericKeys.has(key)) {
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
        table[key as NumericEnergyTableKey] = value;
      } else {
        errors.push(`${key}: must be a non-negative finite number, got ${JSON.stringify(value)}`);
      }
    } else {
      errors.push(`${key}: unknown key`);
    }
  }

  // Relations the scaling laws need; each failing pair falls back to the defaults.
  const requireRelation = (keys: NumericEnergyTableKey[], holds: boolean, message: string) => {
    if (holds) return;
    errors.push(message);
    for (const key of keys) table[key] = DEFAULT_ENERGY_TABLE[key];
  };
  // The 16- and 32-bit float points: positive and ordered (the energy law interpolates between them).
  const floatPairs: [NumericEnergyTableKey, NumericEnergyTableKey, string][] = [
    ['floatMult16PJ', 'floatMult32PJ', ' (the minifloat law interpolates between them)'],
    ['floatAdd16PJ', 'floatAdd32PJ', ' (the minifloat law interpolates between them)'],
    ['floatMult16AreaUm2', 'floatMult32AreaUm2', ''],
    ['floatAdd16AreaUm2', 'floatAdd32AreaUm2', ''],
  ];
  for (const [low, high, why] of floatPairs) {
    requireRelation([low, high], table[low] > 0 && table[high] >= table[low], `${low} must be > 0 and <= ${high}${why}`);
  }
  // area_add(b) = s*b + c through the 8- and 32-bit points needs s >= 0 and c >= 0.
  requireRelation(
    ['intAdd8AreaUm2', 'intAdd32AreaUm2'],
    table.intAdd32AreaUm2 >= table.intAdd8AreaUm2 && table.intAdd32AreaUm2 <= 4 * table.intAdd8AreaUm2,
    'intAdd32AreaUm2 must lie between 1x and 4x intAdd8AreaUm2 (linear area law with non-negative terms)',
  );
  // area_mult(b) = q*b^2 + l*b through the 8- and 32-bit points needs q >= 0 and l >= 0.
  requireRelation(
    ['intMult8AreaUm2', 'intMult32AreaUm2'],
    table.intMult32AreaUm2 >= 4 * table.intMult8AreaUm2 && table.intMult32AreaUm2 <= 16 * table.intMult8AreaUm2,
    'intMult32AreaUm2 must lie between 4x and 16x intMult8AreaUm2 (quadratic area law with non-negative terms)',
  );
  requireRelation(
    ['aladdinAdderPJ', 'aladdinAdderAreaUm2'],
    table.aladdinAdderPJ > 0 && table.aladdinAdderAreaUm2 > 0,
    'aladdinAdderPJ and aladdinAdderAreaUm2 must be > 0 (they divide the shifter numbers)',
  );
  return { table, errors };
}
