/**
 * "What is quantization?" for a first visit: a few sentences and one digit drawn at 8 and at 1 bit
 * per pixel, until dismissed (remembered in localStorage).
 */
import { useEffect, useRef, useState } from 'react';
import { quantizeInput } from '../../core/quant/schemes';
import { useStore } from '../store';
import './teach-classroom.css';

const STORAGE_KEY = 'qp-intro-dismissed';
const SIZE = 28;

/** localStorage can throw (disabled storage, private mode, sandboxed iframes): then the intro just shows. */
function readDismissed(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === '1';
  } catch {
    return false;
  }
}

function writeDismissed() {
  try {
    localStorage.setItem(STORAGE_KEY, '1');
  } catch {
    // Dismissed for this visit only.
  }
}

/** Distance from (x, y) to an arc of a circle, between two angles (radians, y pointing down). */
function arcDistance(x: number, y: number, cx: number, cy: number, r: number, from: number, to: number): number {
  let best = Infinity;
  for (let i = 0; i <= 48; i++) {
    const a = from + ((to - from) * i) / 48;
    best = Math.min(best, Math.hypot(x - (cx + r * Math.cos(a)), y - (cy + r * Math.sin(a))));
  }
  return best;
}

/**
 * A hand-drawn '3' like an MNIST digit: two arcs with a soft pen, so its edges have the greys that
 * 1-bit pixels lose. Values in [0, 1], row by row.
 */
function drawThree(): Float32Array {
  const pixels = new Float32Array(SIZE * SIZE);
  const deg = Math.PI / 180;
  for (let row = 0; row < SIZE; row++) {
    for (let col = 0; col < SIZE; col++) {
      const x = col + 0.5;
      const y = row + 0.5;
      const d = Math.min(arcDistance(x, y, 13.5, 9.5, 5, -165 * deg, 95 * deg), arcDistance(x, y, 13.5, 18.5, 5.8, -95 * deg, 155 * deg));
      // Full ink within 1 px of the stroke's centre, fading to nothing 1.6 px further out.
      pixels[row * SIZE + col] = Math.max(0, Math.min(1, 1 - (d - 1) / 1.6));
    }
  }
  return pixels;
}

const DIGIT = drawThree();

function Digit({ bits, label }: { bits: number; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const shown = quantizeInput(DIGIT, bits);
    const image = context.createImageData(SIZE, SIZE);
    shown.forEach((v, i) => {
      // Ink dark on white paper, as a class expects a handwritten digit to look.
      const grey = Math.round(255 * (1 - v));
      image.data.set([grey, grey, grey, 255], i * 4);
    });
    context.putImageData(image, 0, 0);
  }, [bits]);
  return (
    <figure className="teach-intro-digit">
      <canvas ref={canvas} width={SIZE} height={SIZE} role="img" aria-label={`A handwritten 3 at ${label}`} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export function Intro() {
  const hidden = useStore((s) => s.config.hide.includes('intro'));
  const [dismissed, setDismissed] = useState(readDismissed);
  if (dismissed || hidden) return null;
  const dismiss = () => {
    writeDismissed();
    setDismissed(true);
  };
  return (
    <section className="teach-intro" data-testid="intro" aria-labelledby="teach-intro-title">
      <h2 id="teach-intro-title">What is quantization?</h2>
      <p>
        A neural network keeps what it learned in tens of thousands of numbers, and a computer usually stores each one with 32 bits. Quantization
        stores them with fewer bits, like rounding 3.14159 to 3.1: less memory and simpler, cheaper circuits. Round too hard and information is
        lost, as the digit below shows with 8 bits and with 1 bit per pixel. Press Train, then move the sliders to see how much rounding this
        network can take.
      </p>
      <div className="teach-intro-digits">
        <Digit bits={8} label="8 bits: 256 shades" />
        <span className="teach-intro-arrow" aria-hidden="true">
          →
        </span>
        <Digit bits={1} label="1 bit: black or white" />
        <button className="primary teach-intro-dismiss" data-testid="intro-dismiss" onClick={dismiss}>
          Got it
        </button>
      </div>
    </section>
  );
}
