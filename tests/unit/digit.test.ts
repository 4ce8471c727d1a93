import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centreOfMass, preprocessDrawing, scaleInkToBox } from '../../src/core/digit';

/** A width x height canvas with the rectangle [x0, x1) x [y0, y1) filled with `value`. */
function canvas(width: number, height: number, rects: [number, number, number, number][], value = 255): Uint8Array {
  const img = new Uint8Array(width * height);
  for (const [x0, x1, y0, y1] of rects) {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) img[y * width + x] = value;
  }
  return img;
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('centreOfMass', () => {
  it('puts a pixel at its centre, (x + 0.5, y + 0.5), and weighs by grey level', () => {
    const img = new Uint8Array(4 * 3);
    img[1 * 4 + 2] = 255;
    expect(centreOfMass(img, 4, 3)).toEqual({ x: 2.5, y: 1.5 });
    img[1 * 4 + 0] = 85; // a third of the ink's weight: x = (85*0.5 + 255*2.5) / 340
    expect(centreOfMass(img, 4, 3).x).toBeCloseTo((85 * 0.5 + 255 * 2.5) / 340, 12);
  });

  it('is the image centre when there is no ink', () => {
    expect(centreOfMass(new Uint8Array(28 * 28), 28, 28)).toEqual({ x: 14, y: 14 });
  });
});

describe('preprocessDrawing', () => {
  it('makes a 10x80 vertical bar into a 2.5x20 bar, anti-aliased, centred by its mass', () => {
    const out = preprocessDrawing(canvas(100, 100, [[45, 55, 10, 90]]), 100, 100);
    // Scale 20/80 = 1/4: each target pixel averages a 4x4 source block. Along x the bar's 10 px give
    // two full columns (source 0..4, 4..8) and one half-covered (8..10 of 8..12): 255, 255, 127.5 -> 128.
    // Along y its 80 px are exactly 20 rows.
    // Centre of mass of the 3x20 image: x = (255*0.5 + 255*1.5 + 128*2.5) / 638 = 1.30,
    // y = 10; the shift is round(14 - 1.30) = 13 columns and round(14 - 10) = 4 rows.
    const expected = new Uint8Array(28 * 28);
    for (let y = 4; y < 24; y++) {
      expected[y * 28 + 13] = 255;
      expected[y * 28 + 14] = 255;
      expected[y * 28 + 15] = 128;
    }
    expect(Array.from(out)).toEqual(Array.from(expected));
    const com = centreOfMass(out, 28, 28);
    expect(Math.abs(com.x - 14)).toBeLessThanOrEqual(0.5);
    expect(com.y).toBe(14);
  });

  it('keeps grey levels through the box filter (a half-grey bar stays half grey)', () => {
    const out = preprocessDrawing(canvas(100, 100, [[45, 55, 10, 90]], 100), 100, 100);
    // Same geometry as above at value 100: 100, 100, 50.
    expect(out[4 * 28 + 13]).toBe(100);
    expect(out[4 * 28 + 14]).toBe(100);
    expect(out[4 * 28 + 15]).toBe(50);
    expect(sum(out)).toBe(20 * 250);
  });

  it('makes a filled square into a 20x20 block centred in the frame (4 px margins)', () => {
    const out = preprocessDrawing(canvas(280, 280, [[30, 130, 150, 250]]), 280, 280);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        expect(out[y * 28 + x], `(${x}, ${y})`).toBe(x >= 4 && x < 24 && y >= 4 && y < 24 ? 255 : 0);
      }
    }
    expect(centreOfMass(out, 28, 28)).toEqual({ x: 14, y: 14 });
  });

  it('gives zeros for an empty drawing', () => {
    const out = preprocessDrawing(new Uint8Array(280 * 280), 280, 280);
    expect(out.length).toBe(784);
    expect(sum(out)).toBe(0);
  });

  it('centres a dot drawn in a corner (scaled up to the 20 px box)', () => {
    const out = preprocessDrawing(canvas(280, 280, [[0, 3, 0, 3]]), 280, 280);
    // A 3x3 dot scaled by 20/3 is a full 20x20 block, like the square.
    expect(sum(out)).toBe(400 * 255);
    expect(out[4 * 28 + 4]).toBe(255);
    expect(out[23 * 28 + 23]).toBe(255);
    expect(centreOfMass(out, 28, 28)).toEqual({ x: 14, y: 14 });
  });

  it('reads the bounding box of pixels > 0 in a non-square canvas', () => {
    // A 40x10 horizontal bar in a 200x50 canvas: scale 1/2 gives 20x5, centred at (14, 14) by rounding.
    const out = preprocessDrawing(canvas(200, 50, [[150, 190, 40, 50]]), 200, 50);
    const com = centreOfMass(out, 28, 28);
    expect(sum(out)).toBe(100 * 255);
    expect(com.x).toBe(14);
    expect(Math.abs(com.y - 14)).toBeLessThanOrEqual(0.5);
  });

  it('refuses an image smaller than its stated size', () => {
    expect(() => preprocessDrawing(new Uint8Array(10), 4, 4)).toThrow(RangeError);
  });

  it('properties: 784 values 0..255, ink kept, centre of mass within half a pixel of (14, 14) when it fits', () => {
    const drawing = fc
      .record({ width: fc.integer({ min: 1, max: 60 }), height: fc.integer({ min: 1, max: 60 }) })
      .chain(({ width, height }) =>
        fc.record({
          width: fc.constant(width),
          height: fc.constant(height),
          strokes: fc.array(
            fc.record({
              x: fc.integer({ min: 0, max: width - 1 }),
              y: fc.integer({ min: 0, max: height - 1 }),
              w: fc.integer({ min: 1, max: 12 }),
              h: fc.integer({ min: 1, max: 12 }),
              // Pen strokes, not near-invisible ones: a lone grey-1 pixel may average out to 0 when shrunk.
              v: fc.integer({ min: 32, max: 255 }),
            }),
            { maxLength: 6 },
          ),
        }),
      );
    fc.assert(
      fc.property(drawing, ({ width, height, strokes }) => {
        const img = new Uint8Array(width * height);
        for (const s of strokes) {
          for (let y = s.y; y < Math.min(height, s.y + s.h); y++) {
            for (let x = s.x; x < Math.min(width, s.x + s.w); x++) img[y * width + x] = s.v;
          }
        }
        const out = preprocessDrawing(img, width, height);
        expect(out.length).toBe(784);
        expect(out.every((v) => v >= 0 && v <= 255)).toBe(true);
        if (sum(img) === 0) {
          expect(sum(out)).toBe(0);
          return;
        }
        const scaled = scaleInkToBox(img, width, height)!;
        expect(Math.max(scaled.width, scaled.height)).toBe(20);
        expect(sum(out)).toBeGreaterThan(0);
        // The ink fits when nothing was clipped: then the whole-pixel shift leaves the centre of mass
        // within half a pixel of the frame's centre.
        if (sum(out) === sum(scaled.pixels) && sum(out) > 0) {
          const com = centreOfMass(out, 28, 28);
          expect(com.x).toBeGreaterThanOrEqual(13.5);
          expect(com.x).toBeLessThanOrEqual(14.5);
          expect(com.y).toBeGreaterThanOrEqual(13.5);
          expect(com.y).toBeLessThanOrEqual(14.5);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('handles a full 280x280 canvas quickly', () => {
    const img = new Uint8Array(280 * 280);
    for (let i = 0; i < img.length; i++) img[i] = (i * 7919) % 3 === 0 ? 200 : 0;
    const t = performance.now();
    const out = preprocessDrawing(img, 280, 280);
    const ms = performance.now() - t;
    console.log(`preprocessDrawing 280x280: ${ms.toFixed(1)} ms`);
    expect(sum(out)).toBeGreaterThan(0);
  });
});
