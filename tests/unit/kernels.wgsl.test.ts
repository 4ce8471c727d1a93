/**
 * WGSL generator and dispatch math (pure: no GPU). The GPU runs are in kernels.gpu.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WeightFormat } from '../../src/core/kernels/reference';
import {
  chooseWorkgroupShape,
  denseDispatch,
  denseShaderWgsl,
  groupsPerRow,
  type DenseShaderSpec,
  type OutputsPerThread,
} from '../../src/core/kernels/wgsl';

describe('workgroup shape and dispatch', () => {
  it('spreads a small layer over batch rows', () => {
    expect(chooseWorkgroupShape(10, 1)).toEqual({ x: 16, y: 4 });
    expect(chooseWorkgroupShape(100, 4)).toEqual({ x: 32, y: 2 });
    expect(chooseWorkgroupShape(1, 1)).toEqual({ x: 1, y: 64 });
    expect(chooseWorkgroupShape(4096, 4, 256)).toEqual({ x: 256, y: 1 });
  });

  it('respects device limits', () => {
    const limits = {
      maxComputeInvocationsPerWorkgroup: 128,
      maxComputeWorkgroupSizeX: 32,
      maxComputeWorkgroupSizeY: 2,
      maxComputeWorkgroupsPerDimension: 65535,
    };
    expect(chooseWorkgroupShape(1000, 1, 256, limits)).toEqual({ x: 32, y: 2 });
    expect(() => chooseWorkgroupShape(10, 1, 48)).toThrow(/power of two/);
  });

  it('covers every (row, unit) exactly once for any sizes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.constantFrom<OutputsPerThread>(1, 4),
        fc.constantFrom(32, 64, 256),
        fc.integer({ min: 1, max: 70 }),
        (batch, units, outputsPerThread, invocations, maxPerDimension) => {
          const workgroup = chooseWorkgroupShape(units, outputsPerThread, invocations);
          const options = { outputsPerThread, workgroup };
          const groups = groupsPerRow(units, outputsPerThread);
          const rowBlocks = Math.ceil(batch / workgroup.y);
          const fits = Math.ceil(groups / workgroup.x) <= maxPerDimension && rowBlocks <= maxPerDimension ** 2;
          if (!fits) {
            expect(() => denseDispatch({ units }, batch, options, maxPerDimension)).toThrow(/more workgroups/);
            return;
          }
          const [x, y, z] = denseDispatch({ units }, batch, options, maxPerDimension);
          expect(Math.max(x, y, z)).toBeLessThanOrEqual(maxPerDimension);
          // Unit groups: all covered, and no workgroup column entirely past the end.
          expect(x * workgroup.x).toBeGreaterThanOrEqual(groups);
          expect((x - 1) * workgroup.x).toBeLessThan(groups);
          // Rows: the shader's row = (z * numY + y) * workgroup.y + local y covers 0..batch-1.
          expect(y * z).toBeGreaterThanOrEqual(rowBlocks);
          expect((z - 1) * y).toBeLessThan(rowBlocks);
        },
      ),
    );
  });

  it('rejects batch 0', () => {
    expect(() => denseDispatch({ units: 3 }, 0, { outputsPerThread: 1, workgroup: { x: 4, y: 16 } })).toThrow(/batch/);
  });
});

/**
 * The design property of the multiplier-free formats: in LightNN, BinaryConnect and BinaryNet the
 * per-weight work is shifts, adds, XOR and popcount, never a multiply. What the generated code
 * computes (packed fields, partial last words, output stages) is checked by running it against
 * the CPU reference in kernels.gpu.test.ts.
 */
describe('generated WGSL: no multiply in the inner loop of the multiplier-free formats', () => {
  const spec = (format: WeightFormat, inputs = 33): DenseShaderSpec => ({
    name: 'h',
    inputs,
    units: 10,
    format,
    output: { kind: 'requant', rshift: 4, bits: 2 },
  });
  const options = { outputsPerThread: 4 as const, workgroup: { x: 4, y: 16 } };

  /**
   * Term function and accumulation loop, without comments and the row's start address
   * (row * INPUTS is indexing, once per thread, not a weight product).
   */
  function innerCode(wgsl: string): string {
    const term = wgsl.slice(wgsl.indexOf('fn term'), wgsl.indexOf('@compute'));
    const body = wgsl.slice(wgsl.indexOf('let cols'), wgsl.indexOf('// ReLU'));
    return (term + body)
      .replace(/\/\/.*$/gm, '')
      .replace(/row \* (INPUTS|IN_WORDS)/g, '');
  }

  it.each<WeightFormat>([
    { kind: 'lightnn', k: 1 },
    { kind: 'lightnn', k: 4 },
    { kind: 'binaryconnect' },
    { kind: 'binarynet' },
  ])('%o: shifts and adds only', (format) => {
    expect(innerCode(denseShaderWgsl(spec(format), options))).not.toContain('*');
  });

  it('the inner code seen above is the loop: fixed-point weights do multiply there', () => {
    for (const inputs of [9, 33]) {
      expect(innerCode(denseShaderWgsl(spec({ kind: 'fixed', bits: 3 }, inputs), options))).toContain('*');
    }
  });
});
