/**
 * "What the network sees": eight test images of the chosen set as stored (8 bits) and at the input
 * resolution the knob sets (CIFAR-10's in colour, each channel quantized), redrawn on the main
 * thread as the slider moves (8 x 3,072 bytes at most, well under a ms).
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { DATASETS, type ImageShape } from '../../core/datasets/kinds';
import { dataReady, useData } from '../data/dataStore';
import { useStore } from '../store';
import { quantizeDigitBytes } from './teachStore';
import './teach.css';

const COUNT = 8;

/**
 * A 28x28 digit drawn 1:1 into its canvas (exact grey values, opaque, ink = light) and scaled by
 * CSS with `image-rendering: pixelated`, so getImageData reads back exactly the bytes given.
 */
export const DigitCanvas = memo(function DigitCanvas({ pixels, className, testId, title }: { pixels: Uint8Array | null; className?: string; testId?: string; title?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) paintDigit(ctx, pixels);
  }, [pixels]);
  return <canvas ref={ref} width={28} height={28} className={`teach-digit-canvas ${className ?? ''}`} data-testid={testId} title={title} aria-hidden="true" />;
});

/** Paints 784 bytes (or black for null) into a 28x28 2D context. */
export function paintDigit(ctx: CanvasRenderingContext2D, pixels: Uint8Array | null) {
  const image = ctx.createImageData(28, 28);
  const data = image.data;
  for (let i = 0; i < 784; i++) {
    const v = pixels ? pixels[i] : 0;
    data[4 * i] = v;
    data[4 * i + 1] = v;
    data[4 * i + 2] = v;
    data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * Paints one image of any shape (HWC bytes: grey, or red, green and blue per pixel) into a canvas of
 * its own size, scaled by CSS like DigitCanvas.
 */
export function paintImage(ctx: CanvasRenderingContext2D, pixels: Uint8Array, shape: ImageShape) {
  const { height, width, channels } = shape;
  const image = ctx.createImageData(width, height);
  const data = image.data;
  for (let i = 0; i < width * height; i++) {
    const at = i * channels;
    data[4 * i] = pixels[at];
    data[4 * i + 1] = pixels[at + (channels === 3 ? 1 : 0)];
    data[4 * i + 2] = pixels[at + (channels === 3 ? 2 : 0)];
    data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

const ImageCanvas = memo(function ImageCanvas({ pixels, shape, testId }: { pixels: Uint8Array; shape: ImageShape; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useLayoutEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (ctx) paintImage(ctx, pixels, shape);
  }, [pixels, shape]);
  return <canvas ref={ref} width={shape.width} height={shape.height} className="teach-digit-canvas" data-testid={testId} data-channels={shape.channels} aria-hidden="true" />;
});

interface Images {
  /** What they were fetched for: the set, and its loaded summary (new files, new images). */
  key: unknown;
  list: Uint8Array[];
  shape: ImageShape;
}

/** The test images, fetched once per set: they do not change with the backend or the model. */
let cached: Images | null = null;

export function InputPreview() {
  const dataName = useStore((s) => s.config.data);
  const mnistLoaded = useStore((s) => s.data !== null);
  const summary = useData((d) => (d.kind === dataName ? d.summary : null));
  const ready = useData((d) => dataReady(d, dataName)) && mnistLoaded;
  const key = dataName === 'mnist' ? 'mnist' : summary;
  const inputBits = useStore((s) => s.config.inputBits);
  const [images, setImages] = useState<Images | null>(cached);
  const current = images?.key === key ? images : null;

  useEffect(() => {
    if (current || !ready) return;
    let live = true;
    useStore
      .getState()
      .testDigits(COUNT, dataName)
      .then((answer) => {
        if (!answer || !live) return;
        const size = answer.shape.height * answer.shape.width * answer.shape.channels;
        const list = Array.from({ length: Math.min(COUNT, Math.floor(answer.pixels.length / size)) }, (_, i) => answer.pixels.slice(i * size, (i + 1) * size));
        cached = { key, list, shape: answer.shape };
        setImages(cached);
      })
      .catch(() => undefined); // a restarting worker never answers; the next `data` retries
    return () => {
      live = false;
    };
  }, [current, ready, dataName, key]);

  // Every channel through the same input quantizer the network's input goes through.
  const quantized = useMemo(() => current?.list.map((d) => quantizeDigitBytes(d, inputBits)) ?? null, [current, inputBits]);
  const bitsText = `${inputBits} bit${inputBits > 1 ? 's' : ''}`;
  const colour = current?.shape.channels === 3;
  const what = colour ? 'test images' : 'test digits';

  return (
    <figure className="teach-input-preview" data-testid="input-preview">
      <figcaption className="teach-caption">What the network sees</figcaption>
      {current && quantized ? (
        <div className="teach-preview-grid">
          <div className="teach-row-label">8 bits</div>
          <div className="teach-digit-row" role="img" aria-label={`Eight ${what} at full 8-bit resolution${colour ? ' per colour channel' : ''}`}>
            {current.list.map((d, i) => (
              <ImageCanvas key={i} pixels={d} shape={current.shape} testId="input-preview-original" />
            ))}
          </div>
          <div className="teach-row-label">{bitsText}</div>
          <div className="teach-digit-row" role="img" aria-label={`The same ${what} at ${bitsText} per ${colour ? 'colour channel' : 'pixel'}`}>
            {quantized.map((d, i) => (
              <ImageCanvas key={i} pixels={d} shape={current.shape} testId="input-preview-quantized" />
            ))}
          </div>
        </div>
      ) : (
        <p className="teach-muted">{ready ? `loading ${what}…` : dataName === 'mnist' ? 'waiting for MNIST…' : `waiting for ${DATASETS[dataName].label}…`}</p>
      )}
    </figure>
  );
}
