/**
 * fast-check arbitraries read off the zod schemas of src, so that a changed range, a new
 * parameter or a new weight format is fuzzed as it is without touching the tests.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { WEIGHT_FORMATS, WEIGHT_KINDS, weightSchemeSchema, type WeightScheme } from '../../src/core/quant/formats';
import { lrScheduleSchema, type LrSchedule } from '../../src/core/lrSchedule';

type ZodNumberInfo = { minValue: number | null; maxValue: number | null; isInt: boolean };

/** Numbers drawn where a schema gives no bound. */
const LARGE = 1e9;
/** Half of the integers without a bound are drawn this small, where cross-field limits lie (a minifloat's bias). */
const SMALL_INT = 1000;

/** z.number() without .min/.max reports null, z.number().int() the safe-integer limits. */
const unbounded = (limit: number | null): limit is null => limit === null || Math.abs(limit) >= Number.MAX_SAFE_INTEGER;

function numberArbitrary(schema: z.ZodNumber): fc.Arbitrary<number> {
  const { minValue, maxValue, isInt } = schema as unknown as ZodNumberInfo;
  const min = unbounded(minValue) ? -LARGE : minValue;
  const max = unbounded(maxValue) ? LARGE : maxValue;
  if (!isInt) return fc.double({ min, max, noNaN: true });
  const all = fc.integer({ min, max });
  if (!unbounded(minValue) && !unbounded(maxValue)) return all;
  return fc.oneof(fc.integer({ min: Math.max(min, -SMALL_INT), max: Math.min(max, SMALL_INT) }), all);
}

/**
 * Values of a scalar schema: numbers in its range, its enum's options, booleans, its literal;
 * null besides where it is nullable. Null (no arbitrary) for any other schema.
 */
export function scalarArbitrary(schema: z.ZodType): fc.Arbitrary<unknown> | null {
  if (schema instanceof z.ZodNullable) {
    const inner = scalarArbitrary(schema.unwrap() as z.ZodType);
    return inner && fc.option(inner, { nil: null });
  }
  if (schema instanceof z.ZodNumber) return numberArbitrary(schema);
  if (schema instanceof z.ZodEnum) return fc.constantFrom(...(schema.options as (string | number)[]));
  if (schema instanceof z.ZodBoolean) return fc.boolean();
  if (schema instanceof z.ZodLiteral) return fc.constantFrom(...(schema.values as Set<unknown>));
  return null;
}

/**
 * Objects of an object schema of scalars: its required keys always, its optional keys (z.optional)
 * sometimes. Throws on a field it cannot draw, so that a new kind of parameter is noticed.
 */
export function objectArbitrary(schema: z.ZodObject): fc.Arbitrary<Record<string, unknown>> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const [key, field] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const optional = field instanceof z.ZodOptional;
    const arb = scalarArbitrary(optional ? (field.unwrap() as z.ZodType) : field);
    if (!arb) throw new Error(`objectArbitrary: no arbitrary for field "${key}" (${field.constructor.name})`);
    fields[key] = arb;
    if (!optional) requiredKeys.push(key);
  }
  return fc.record(fields, { requiredKeys });
}

/**
 * Every weight scheme of the format registry (WEIGHT_FORMATS): each format's `defaults`, or its
 * `schema`'s parameters drawn in their ranges, kept when weightSchemeSchema accepts them (the
 * cross-field checks, e.g. a minifloat bias within the range its exponent bits allow).
 */
export const weightSchemeArb: fc.Arbitrary<WeightScheme> = fc
  .oneof(
    ...WEIGHT_KINDS.map((kind) => {
      const format = WEIGHT_FORMATS[kind];
      return fc.oneof(fc.constant(format.defaults), objectArbitrary(format.schema as unknown as z.ZodObject));
    }),
  )
  .filter((scheme) => weightSchemeSchema.safeParse(scheme).success) as fc.Arbitrary<WeightScheme>;

/** Every learning-rate schedule, read off lrScheduleSchema's options. */
export const lrScheduleArb: fc.Arbitrary<LrSchedule> = fc
  .oneof(...(lrScheduleSchema as unknown as z.ZodDiscriminatedUnion).options.map((option) => objectArbitrary(option as unknown as z.ZodObject)))
  .filter((schedule) => lrScheduleSchema.safeParse(schedule).success) as fc.Arbitrary<LrSchedule>;
