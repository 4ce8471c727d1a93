import { beforeEach, describe, expect, it } from 'vitest';
import { quantizeDigitBytes, useTeach } from '../../src/ui/teach/teachStore';

const digit = (fill: (i: number) => number) => Uint8Array.from({ length: 784 }, (_, i) => fill(i));

describe('teach store', () => {
  beforeEach(() => {
    useTeach.getState().clear();
    useTeach.getState().requestView(null);
  });

  it('holds the drawn digit and clears it', () => {
    const before = useTeach.getState().revision;
    const pixels = digit((i) => i % 256);
    useTeach.getState().setDigit(pixels, 'drawn');
    expect(useTeach.getState()).toMatchObject({ pixels, source: 'drawn', requestedView: null });
    expect(useTeach.getState().revision).toBe(before + 1);
    useTeach.getState().clear();
    expect(useTeach.getState()).toMatchObject({ pixels: null, source: null });
    expect(useTeach.getState().revision).toBe(before + 2);
  });

  it('refuses anything but 28x28', () => {
    expect(() => useTeach.getState().setDigit(new Uint8Array(783), 'drawn')).toThrow(/784/);
  });

  it('shows a test digit and asks for the drawing tab', () => {
    const pixels = digit(() => 7);
    useTeach.getState().showTestDigit(pixels, { testIndex: 45, label: 5 });
    expect(useTeach.getState()).toMatchObject({ pixels, source: { testIndex: 45, label: 5 }, requestedView: 'draw' });
    useTeach.getState().requestView(null);
    expect(useTeach.getState().requestedView).toBeNull();
  });
});

describe('quantizeDigitBytes', () => {
  const ramp = digit((i) => i % 256);

  it('keeps every byte at 8 bits', () => {
    expect(Array.from(quantizeDigitBytes(ramp, 8))).toEqual(Array.from(ramp));
  });

  it('gives only black and white at 1 bit, rounding half to even at 127.5', () => {
    const q = quantizeDigitBytes(ramp, 1);
    expect(new Set(q)).toEqual(new Set([0, 255]));
    expect(q[127]).toBe(0);
    expect(q[128]).toBe(255);
  });

  it('gives 2^bits grey levels', () => {
    for (const bits of [2, 3, 4]) expect(new Set(quantizeDigitBytes(ramp, bits)).size).toBe(2 ** bits);
  });
});
