/**
 * Draw a digit, see both networks guess it: a pointer-drawn pad (white ink on black, as MNIST),
 * the 28x28 the network gets at the current input resolution, and the float and quantized
 * softmax side by side. Predictions follow the pen: one request per animation frame at most,
 * one in flight at most, and the newest pixels go next. With "integer kernels" ticked, the same
 * digit also goes through the WGSL integer kernels (a second loop with the same rules), whose i32
 * logits show beside the quantized bars.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { preprocessDrawing } from '../../core/digit';
import type { KernelLogits, Prediction } from '../../worker/protocol';
import { quantKey } from '../quantKnobs';
import { DATASETS } from '../../core/datasets/kinds';
import { useClassNames } from '../data/dataStore';
import { useStore } from '../store';
import { DigitCanvas } from './InputPreview';
import { PredictionBars } from './PredictionBars';
import { quantizeDigitBytes, useTeach } from './teachStore';
import './teach.css';

/** Backing store of the pad; MNIST strokes are ~2-3 px of 28, so an 18 px brush on 280 matches. */
const PAD = 280;
const BRUSH = 18;

/** The pad's full-resolution drawing survives a tab switch (the store keeps only the 28x28). */
let savedInk: ImageData | null = null;

interface Shown {
  prediction: Prediction;
  /** performance.now() of the oldest change this answer covers (pointer move, knob, model). */
  since: number;
}

/**
 * One request of a prediction loop, the rules both loops share: one in flight per lane (`lane.inFlight`
 * while it runs); its answer is dropped when the pad was cleared (`pad.epoch`), the model changed or the
 * view unmounted while it ran; once it settles, answered or failed, `again` sends the newest pixels if
 * they changed meanwhile.
 */
function send<T>(
  pad: { alive: boolean; epoch: number },
  lane: { inFlight: boolean },
  ask: () => Promise<T>,
  answered: (answer: T) => void,
  failed: (error: unknown) => void,
  again: () => void,
) {
  const epoch = pad.epoch;
  const { modelVersion } = useStore.getState();
  lane.inFlight = true;
  ask()
    .then((answer) => {
      if (pad.alive && epoch === pad.epoch && useStore.getState().modelVersion === modelVersion) answered(answer);
    })
    .catch(failed)
    .finally(() => {
      lane.inFlight = false;
      again();
    });
}

/** The pad draws 28x28 grey digits: for a colour set (CIFAR-10) it says why it is not offered. */
export function DigitView() {
  const shape = useStore((s) => DATASETS[s.config.data].shape);
  if (shape.channels !== 1) {
    return (
      <p className="teach-hint" data-testid="digit-not-for-colour">
        Drawing is for 28x28 grey images (MNIST, Fashion-MNIST, IDX sets). {DATASETS.cifar10.label}&apos;s are {shape.height}x{shape.width} colour photos: see them in &ldquo;What
        the network sees&rdquo;.
      </p>
    );
  }
  return <DigitPad />;
}

function DigitPad() {
  const names = useClassNames();
  const padRef = useRef<HTMLCanvasElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const timeRef = useRef<HTMLSpanElement>(null);
  const modelKept = useStore((s) => s.modelKept);
  const phase = useStore((s) => s.phase);
  const inputBits = useStore((s) => s.config.inputBits);
  const pixels = useTeach((s) => s.pixels);
  const source = useTeach((s) => s.source);
  const [shown, setShown] = useState<Shown | null>(null);
  const [kernelOn, setKernelOn] = useState(false);
  const kernelOnRef = useRef(false);
  const [kernel, setKernel] = useState<KernelLogits | null>(null);

  // ---- The prediction loop (refs, not state: it runs at pointer rate).
  const loop = useRef({ alive: true, inFlight: false, dirty: false, dirtySince: null as number | null, epoch: 0 });

  const pump = useCallback(() => {
    const l = loop.current;
    if (!l.alive || l.inFlight || !l.dirty) return;
    const { modelKept: kept, predictDigit } = useStore.getState();
    const digit = useTeach.getState().pixels;
    const since = l.dirtySince ?? performance.now();
    l.dirty = false;
    l.dirtySince = null;
    if (!kept || !digit) {
      setShown(null);
      return;
    }
    send(
      l,
      l,
      () => predictDigit(digit),
      (prediction) => setShown(prediction ? { prediction, since } : null),
      () => undefined, // a terminated worker (backend switch) never answers; the model change re-asks
      pump,
    );
  }, []);

  // ---- The kernels' loop: the bars' rules (latest wins, one in flight), only while ticked.
  const kernelLoop = useRef({ inFlight: false, dirty: false });

  const pumpKernel = useCallback(() => {
    const l = loop.current;
    const k = kernelLoop.current;
    if (!l.alive || k.inFlight || !k.dirty) return;
    k.dirty = false;
    const { modelKept: kept, kernelLogits } = useStore.getState();
    const digit = useTeach.getState().pixels;
    if (!kernelOnRef.current || !kept || !digit) {
      setKernel(null);
      return;
    }
    send(
      l,
      k,
      () => kernelLogits(digit),
      (answer) => {
        if (kernelOnRef.current) setKernel(answer);
      },
      (error) => {
        // Not a refusal (those come back as supported: false) but a failed call: say it in the same line.
        if (l.alive && kernelOnRef.current) setKernel({ supported: false, reason: error instanceof Error ? error.message : String(error), logits: [], scale: 1, predicted: -1, device: 'cpu-reference', ms: 0 });
      },
      pumpKernel,
    );
  }, []);

  const markDirty = useCallback(
    (since: number) => {
      const l = loop.current;
      l.dirty = true;
      l.dirtySince = Math.min(l.dirtySince ?? since, since);
      pump();
      if (kernelOnRef.current) {
        kernelLoop.current.dirty = true;
        pumpKernel();
      }
    },
    [pump, pumpKernel],
  );

  const toggleKernel = (on: boolean) => {
    kernelOnRef.current = on;
    setKernelOn(on);
    setKernel(null);
    if (on) {
      kernelLoop.current.dirty = true;
      pumpKernel();
    }
  };

  // The time from the change to the bars: measured once React has put the new bars in the DOM.
  useLayoutEffect(() => {
    if (!shown) return;
    const ms = performance.now() - shown.since;
    rootRef.current?.setAttribute('data-update-ms', ms.toFixed(1));
    if (timeRef.current) timeRef.current.textContent = `updated in ${Math.round(ms)} ms`;
  }, [shown]);

  // Knobs and the model: the same pixels, asked again.
  useEffect(() => {
    const l = loop.current;
    l.alive = true;
    const unsubscribe = useStore.subscribe((s, prev) => {
      const now = performance.now();
      if (s.modelVersion !== prev.modelVersion || s.modelKept !== prev.modelKept) {
        l.epoch++;
        markDirty(now);
      } else if (s.config !== prev.config && quantKey(s.config) !== quantKey(prev.config)) markDirty(now);
    });
    return () => {
      l.alive = false;
      unsubscribe();
    };
  }, [markDirty]);

  // ---- The pad.
  const padContext = () => padRef.current?.getContext('2d', { willReadFrequently: true }) ?? null;

  /** Puts the store's digit into the pad: the saved drawing, or a test digit scaled up. */
  const showStoredDigit = useCallback(() => {
    const ctx = padContext();
    if (!ctx) return;
    const { pixels: digit, source: from } = useTeach.getState();
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, PAD, PAD);
    if (!digit) {
      savedInk = null;
      return;
    }
    if (from === 'drawn') {
      if (savedInk) ctx.putImageData(savedInk, 0, 0);
      return;
    }
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    const smallCtx = small.getContext('2d');
    if (!smallCtx) return;
    const image = smallCtx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = digit[i];
      image.data[4 * i + 3] = 255;
    }
    smallCtx.putImageData(image, 0, 0);
    // Smooth, so that drawing on over it and preprocessing again keeps its shape.
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(small, 0, 0, PAD, PAD);
    savedInk = null;
  }, []);

  // On mount, and whenever something else (the Mistakes gallery, a clear) sets the digit.
  useEffect(() => {
    showStoredDigit();
    if (useTeach.getState().pixels) markDirty(performance.now());
    return useTeach.subscribe((s, prev) => {
      if (s.revision === prev.revision || s.source === 'drawn') return;
      loop.current.epoch++;
      showStoredDigit();
      markDirty(performance.now());
    });
  }, [showStoredDigit, markDirty]);

  const stroke = useRef<{ id: number; x: number; y: number } | null>(null);
  const frame = useRef<{ id: number | null; since: number | null }>({ id: null, since: null });

  /** Once per animation frame: the pad's ink, preprocessed as MNIST was, into the store and the loop. */
  const readPad = useCallback(() => {
    const since = frame.current.since ?? performance.now();
    frame.current = { id: null, since: null };
    const ctx = padContext();
    if (!ctx) return;
    const image = ctx.getImageData(0, 0, PAD, PAD);
    const gray = new Uint8Array(PAD * PAD);
    let ink = 0;
    for (let i = 0; i < gray.length; i++) {
      gray[i] = image.data[4 * i];
      ink |= gray[i];
    }
    if (ink === 0) return;
    savedInk = image;
    useTeach.getState().setDigit(preprocessDrawing(gray, PAD, PAD), 'drawn');
    markDirty(since);
  }, [markDirty]);

  const scheduleRead = (now: number) => {
    frame.current.since ??= now;
    frame.current.id ??= requestAnimationFrame(readPad);
  };
  useEffect(
    () => () => {
      if (frame.current.id !== null) cancelAnimationFrame(frame.current.id);
      frame.current = { id: null, since: null };
    },
    [],
  );

  const toPad = (e: { clientX: number; clientY: number }) => {
    const rect = padRef.current!.getBoundingClientRect();
    return { x: ((e.clientX - rect.left) * PAD) / rect.width, y: ((e.clientY - rect.top) * PAD) / rect.height };
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0 || stroke.current) return;
    const ctx = padContext();
    if (!ctx) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const now = performance.now();
    const p = toPad(e);
    stroke.current = { id: e.pointerId, ...p };
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(p.x, p.y, BRUSH / 2, 0, 2 * Math.PI);
    ctx.fill();
    scheduleRead(now);
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const s = stroke.current;
    if (!s || e.pointerId !== s.id) return;
    const ctx = padContext();
    if (!ctx) return;
    const now = performance.now();
    // Coalesced events: a fast pen gives several points per frame; drawing them all keeps curves round.
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    const points = (events.length > 0 ? events : [e.nativeEvent]).map(toPad);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = BRUSH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(s.x, s.y);
    for (const p of points) ctx.lineTo(p.x, p.y);
    ctx.stroke();
    const last = points[points.length - 1];
    s.x = last.x;
    s.y = last.y;
    scheduleRead(now);
  };

  const endStroke = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (stroke.current?.id !== e.pointerId) return;
    stroke.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };

  const clear = () => {
    stroke.current = null;
    useTeach.getState().clear();
  };

  // ---- What the network gets, at the input resolution the knob sets.
  const seen = useMemo(() => (pixels ? quantizeDigitBytes(pixels, inputBits) : null), [pixels, inputBits]);
  const fromTest = source && source !== 'drawn' ? source : null;
  const training = phase === 'training' || phase === 'paused';

  return (
    <div className="teach-digit" ref={rootRef} data-testid="digit-view">
      <div className="teach-pad">
        <canvas
          ref={padRef}
          width={PAD}
          height={PAD}
          className="teach-pad-canvas"
          data-testid="digit-canvas"
          role="img"
          aria-label="Drawing pad: draw a digit with the mouse, a finger or a pen"
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={endStroke}
          onPointerCancel={endStroke}
          onLostPointerCapture={endStroke}
        />
        <div className="teach-pad-row">
          <button type="button" data-testid="digit-clear" onClick={clear} disabled={!pixels}>
            Clear
          </button>
          <figure className="teach-seen" title="What the network gets: your drawing shrunk to 28x28 and centred as MNIST digits are, at the input resolution">
            <DigitCanvas pixels={seen} className="teach-seen-canvas" testId="digit-seen" />
            <figcaption>{inputBits}-bit input</figcaption>
          </figure>
        </div>
        {fromTest && (
          <p className="teach-source" data-testid="digit-source">
            Test image #{fromTest.testIndex}, a {names[fromTest.label] ?? fromTest.label}
          </p>
        )}
      </div>
      <div className="teach-guesses" aria-live="off">
        {!modelKept ? (
          <p className="teach-hint" data-testid="digit-no-model">
            {training ? 'Training… the guesses appear when it is done.' : 'Train a network to see its guesses.'}
          </p>
        ) : !pixels ? (
          <p className="teach-hint">Draw a digit (0–9) in the black square.</p>
        ) : shown ? (
          <>
            <div className={kernelOn && kernel?.supported ? 'teach-bar-pair teach-bar-triple' : 'teach-bar-pair'}>
              <PredictionBars title="Float" probabilities={shown.prediction.float} tone="float" testId="prediction-float" />
              <PredictionBars title="Quantized" probabilities={shown.prediction.quantized} tone="quantized" testId="prediction-quantized" />
              {kernelOn && kernel?.supported && <KernelLogitList answer={kernel} />}
            </div>
            <p className="teach-time">
              <span ref={timeRef} data-testid="digit-update-time" />
            </p>
            <label className="teach-kernel-toggle">
              <input type="checkbox" data-testid="kernel-logits-toggle" checked={kernelOn} onChange={(e) => toggleKernel(e.target.checked)} /> integer kernels
            </label>
            {kernelOn && <KernelNote answer={kernel} />}
          </>
        ) : (
          <p className="teach-hint">asking the network…</p>
        )}
      </div>
    </div>
  );
}

/** The kernels' ten i32 logits, one row per digit so they line up with the bars. */
function KernelLogitList({ answer }: { answer: KernelLogits }) {
  return (
    <figure className="teach-bars teach-kernel-logits" data-testid="kernel-logits" data-device={answer.device} data-scale={answer.scale} data-predicted={answer.predicted}>
      <figcaption>
        <span className="teach-bars-title" title="i32 logits as the kernels compute them; x scale = the float logits">Integer</span>
        <span className="teach-bars-answer">
          <span className="sr-only">guesses </span>
          {answer.predicted}
        </span>
      </figcaption>
      <ol className="teach-bar-list">
        {answer.logits.map((v, digit) => (
          <li
            key={digit}
            className={digit === answer.predicted ? 'teach-bar teach-kernel-logit teach-best' : 'teach-bar teach-kernel-logit'}
            data-testid={`kernel-logit-${digit}`}
            data-value={v}
            title={`${digit}: ${v} x ${answer.scale.toPrecision(4)} = ${(v * answer.scale).toFixed(3)}`}
          >
            {v}
          </li>
        ))}
      </ol>
    </figure>
  );
}

function KernelNote({ answer }: { answer: KernelLogits | null }) {
  if (!answer) return <p className="teach-kernel-note">running the integer kernels…</p>;
  if (!answer.supported) {
    return (
      <p className="teach-kernel-note teach-kernel-refused" data-testid="kernel-logits-reason" title={answer.reason ?? ''}>
        {answer.reason}
      </p>
    );
  }
  return (
    <p className="teach-kernel-note" data-testid="kernel-logits-note" title={answer.reason ?? undefined}>
      {answer.device === 'webgpu' ? 'WebGPU integer kernels' : 'integer reference on the CPU (bit-exact with the kernels)'}
      {`, ${answer.ms.toFixed(1)} ms; 1 unit = ${answer.scale.toPrecision(3)}`}
    </p>
  );
}
