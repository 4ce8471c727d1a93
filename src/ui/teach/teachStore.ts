/**
 * The digit in the drawing pad, shared by the pad and the Mistakes gallery (a clicked flip is shown
 * and predicted in the pad), and the view the panel is asked to switch to.
 */
import { create } from 'zustand';
import { quantizeInput } from '../../core/quant/schemes';

/** A test image, by its index in the MNIST test set and its true label. */
export interface TestDigitSource {
  testIndex: number;
  label: number;
}

export type DigitSource = 'drawn' | TestDigitSource;

export interface TeachState {
  /** 784 bytes (28x28, ink 255, background 0) as the network gets them; null when the pad is empty. */
  pixels: Uint8Array | null;
  source: DigitSource | null;
  /** Bumped on every setDigit/clear, so the pad can tell a digit set from outside from its own. */
  revision: number;
  /** Set when something (a clicked flip) wants the view panel on the drawing tab; the panel resets it. */
  requestedView: 'draw' | null;

  setDigit(pixels: Uint8Array, source: DigitSource): void;
  clear(): void;
  /** A test digit into the pad, and the view panel asked to show it. */
  showTestDigit(pixels: Uint8Array, source: TestDigitSource): void;
  requestView(view: 'draw' | null): void;
}

export const useTeach = create<TeachState>((set, get) => ({
  pixels: null,
  source: null,
  revision: 0,
  requestedView: null,

  setDigit(pixels, source) {
    if (pixels.length !== 784) throw new Error(`a digit is 784 bytes (28x28), got ${pixels.length}`);
    set({ pixels, source, revision: get().revision + 1 });
  },

  clear() {
    set({ pixels: null, source: null, revision: get().revision + 1 });
  },

  showTestDigit(pixels, source) {
    get().setDigit(pixels, { testIndex: source.testIndex, label: source.label });
    set({ requestedView: 'draw' });
  },

  requestView(view) {
    set({ requestedView: view });
  },
}));

// ---- Pixel helpers shared by the teach components (no React, no TF.js).

/** 28x28 bytes at `bits` input bits, as the quantized network gets them (quantizeInput on [0, 1], back to bytes). */
export function quantizeDigitBytes(pixels: Uint8Array, bits: number): Uint8Array {
  // 8 bits keeps every byte (k/255 is on the grid), so skip the float round trip.
  if (bits >= 8) return pixels;
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) x[i] = pixels[i] / 255;
  const q = quantizeInput(x, bits);
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < q.length; i++) out[i] = Math.round(q[i] * 255);
  return out;
}
