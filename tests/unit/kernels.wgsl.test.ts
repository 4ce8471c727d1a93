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

describe('generated WGSL', () => {
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
  ])('%o: shifts and adds only', (format) => {
    const wgsl = denseShaderWgsl(spec(format), options);
    expect(innerCode(wgsl)).not.toContain('*');
  });

  it('BinaryNet uses XOR and countOneBits with a tail mask', () => {
    const wgsl = denseShaderWgsl(spec({ kind: 'binarynet' }), options);
    expect(wgsl).toContain('countOneBits');
    expect(wgsl).toContain('& vec4<u32>(1u)'); // 33 inputs: one valid bit in the last word
    expect(innerCode(wgsl)).not.toContain('*');
  });

  it('fixed-point multiplies and sign-extends', () => {
    const wgsl = denseShaderWgsl(spec({ kind: 'fixed', bits: 3 }, 9), { ...options, outputsPerThread: 1 });
    expect(wgsl).toContain('>> u32(28u)');
    expect(wgsl).toContain('words << u32(24u)'); // field 1 of 8 nibbles moved to the top
    expect(wgsl).toContain('// Last word row: only 1 of its 8 fields are inputs.');
    expect(innerCode(wgsl)).toContain('*');
  });

  it('bakes the output stage', () => {
    const wgsl = denseShaderWgsl(spec({ kind: 'lightnn', k: 2 }), options);
    expect(wgsl).toContain('+ vec4<i32>(8)) >> vec4<u32>(4u)');
    expect(wgsl).toContain('vec4<i32>(3)');
    const sign = denseShaderWgsl({ ...spec({ kind: 'lightnn', k: 2 }), output: { kind: 'sign' } }, options);
    expect(sign).toContain('array<atomic<u32>>');
    expect(sign).toContain('atomicOr');
  });
});
