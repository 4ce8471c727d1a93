/**
 * "What the network sees": eight test digits as stored (8 bits) and at the input resolution the
 * knob sets, redrawn on the main thread as the slider moves (8 x 784 pixels, well under a ms).
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
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

/** The test digits, fetched once per page: they do not change with the backend or the model. */
let cached: Uint8Array[] | null = null;

export function InputPreview() {
  const hasData = useStore((s) => s.data !== null);
  const inputBits = useStore((s) => s.config.inputBits);
  const [digits, setDigits] = useState<Uint8Array[] | null>(cached);

  useEffect(() => {
    if (digits || !hasData) return;
    let live = true;
    useStore
      .getState()
      .testDigits(COUNT)
      .then((answer) => {
        if (!answer || !live) return;
        const list = Array.from({ length: Math.min(COUNT, Math.floor(answer.pixels.length / 784)) }, (_, i) => answer.pixels.slice(i * 784, (i + 1) * 784));
        cached = list;
        setDigits(list);
      })
      .catch(() => undefined); // a restarting worker never answers; the next `data` retries
    return () => {
      live = false;
    };
  }, [digits, hasData]);

  const quantized = useMemo(() => digits?.map((d) => quantizeDigitBytes(d, inputBits)) ?? null, [digits, inputBits]);
  const bitsText = `${inputBits} bit${inputBits > 1 ? 's' : ''}`;

  return (
    <figure className="teach-input-preview" data-testid="input-preview">
      <figcaption className="teach-caption">What the network sees</figcaption>
      {digits && quantized ? (
        <div className="teach-preview-grid">
          <div className="teach-row-label">8 bits</div>
          <div className="teach-digit-row" role="img" aria-label="Eight test digits at full 8-bit resolution">
            {digits.map((d, i) => (
              <DigitCanvas key={i} pixels={d} testId="input-preview-original" />
            ))}
          </div>
          <div className="teach-row-label">{bitsText}</div>
          <div className="teach-digit-row" role="img" aria-label={`The same digits at ${bitsText} per pixel`}>
            {quantized.map((d, i) => (
              <DigitCanvas key={i} pixels={d} testId="input-preview-quantized" />
            ))}
          </div>
        </div>
      ) : (
        <p className="teach-muted">{hasData ? 'loading digits…' : 'waiting for MNIST…'}</p>
      )}
    </figure>
  );
}
