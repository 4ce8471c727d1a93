/**
 * Which digits quantization gets wrong: the 10x10 confusion matrix of the quantized network, the
 * float one, or their difference, the accuracy per digit, and the test images whose answer flipped
 * (click one to see its softmax in the drawing pad).
 */
import { useEffect, useRef, useState } from 'react';
import { maxOf } from '../../core/arrays';
import { percent } from '../../core/percent';
import type { FlipExample, QuantAnalysis } from '../../worker/protocol';
import { quantKey } from '../quantKnobs';
import { DATASETS } from '../../core/datasets/kinds';
import { useClassNames } from '../data/dataStore';
import { useStore } from '../store';
import { DigitCanvas } from './InputPreview';
import { useTeach } from './teachStore';
import './teach.css';

type Mode = 'quantized' | 'float' | 'difference';
const MODES: { value: Mode; label: string }[] = [
  { value: 'quantized', label: 'Quantized' },
  { value: 'float', label: 'Float' },
  { value: 'difference', label: 'Difference' },
];
const GALLERY = 16;

interface Answer {
  analysis: QuantAnalysis;
  key: string;
  version: number;
}

/** The last analysis, so switching tabs back does not test the same model and setting again. */
let lastAnswer: Answer | null = null;

// ---- Colours: white mixed towards a hue; the text is black or white, whichever contrasts more
// (one of the two always reaches 4.5:1, so every count passes WCAG AA).

type Rgb = [number, number, number];
const RIGHT: Rgb = [29, 78, 216]; // #1d4ed8, the page's quantized blue: correct answers
const WRONG: Rgb = [194, 65, 12]; // #c2410c: mistakes
const WORSE: Rgb = [185, 28, 28]; // #b91c1c: quantization made it worse
const BETTER: Rgb = [21, 128, 61]; // #15803d: quantization made it better

function mix(to: Rgb, t: number): Rgb {
  return to.map((c) => Math.round(255 + (c - 255) * t)) as Rgb;
}

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function cellStyle(to: Rgb, t: number): { background: string; color: string } {
  const bg = mix(to, t);
  const l = luminance(bg);
  // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05).
  const color = (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000' : '#fff';
  return { background: `rgb(${bg.join(' ')})`, color };
}

/** Counts in a 21 px cell at 11 px: 1234 becomes 1.2k (the exact count is in the title). */
function short(n: number, signed: boolean): string {
  const a = Math.abs(n);
  const body = a < 1000 ? String(a) : a < 9950 ? `${(a / 1000).toFixed(1)}k` : `${Math.round(a / 1000)}k`;
  return n < 0 ? `−${body}` : signed && n > 0 ? `+${body}` : body;
}

/** findFlips puts the answers quantization broke first, then those it fixed or changed between two wrong ones. */
function flipKind(f: FlipExample): 'broken' | 'fixed' | 'other' {
  return f.floatPred === f.label ? 'broken' : f.quantPred === f.label ? 'fixed' : 'other';
}
const FLIP_KIND_TEXT = { broken: 'quantization broke it', fixed: 'quantization fixed it', other: 'both wrong, differently' };

function rowAccuracy(counts: number[], digit: number): number | null {
  let total = 0;
  for (let p = 0; p < 10; p++) total += counts[digit * 10 + p];
  return total > 0 ? counts[digit * 10 + digit] / total : null;
}

export function MistakesView() {
  const modelKept = useStore((s) => s.modelKept);
  // Class names (Fashion-MNIST's, CIFAR-10's) where MNIST shows its digits; the matrix keeps 0-9 to stay 21 px a cell.
  const names = useClassNames();
  const named = names.some((n, i) => n !== String(i));
  // The flipped images are 28x28 grey digits; a colour set's are not drawn here (nor sent to the pad).
  const grey = useStore((s) => DATASETS[s.result?.config.data ?? s.config.data].shape.channels === 1);
  // Students know MNIST's classes as digits; Fashion-MNIST's and CIFAR's are classes.
  const noun = useStore((s) => ((s.result?.config.data ?? s.config.data) === 'mnist' ? 'digit' : 'class'));
  const modelVersion = useStore((s) => s.modelVersion);
  const phase = useStore((s) => s.phase);
  const key = useStore((s) => quantKey(s.config));
  const [answer, setAnswer] = useState<Answer | null>(lastAnswer);
  const [testing, setTesting] = useState(false);
  const [mode, setMode] = useState<Mode>('quantized');

  // One analysis at a time; when it ends, the setting showing then is analysed (latest wins).
  const loop = useRef({ alive: true, inFlight: false });
  useEffect(() => {
    const l = loop.current;
    l.alive = true;
    return () => {
      l.alive = false;
    };
  }, []);

  useEffect(() => {
    const l = loop.current;
    const run = () => {
      if (!l.alive || l.inFlight) return;
      const s = useStore.getState();
      const wantKey = quantKey(s.config);
      const wantVersion = s.modelVersion;
      if (!s.modelKept) {
        setTesting(false);
        return;
      }
      if (lastAnswer && lastAnswer.key === wantKey && lastAnswer.version === wantVersion) {
        setAnswer(lastAnswer);
        setTesting(false);
        return;
      }
      l.inFlight = true;
      setTesting(true);
      s.analyzeQuantized()
        .then((analysis) => {
          if (analysis && useStore.getState().modelVersion === wantVersion) {
            lastAnswer = { analysis, key: wantKey, version: wantVersion };
            if (l.alive) setAnswer(lastAnswer);
          }
        })
        .catch(() => undefined) // a terminated worker never answers; a model change asks again
        .finally(() => {
          l.inFlight = false;
          run();
        });
    };
    run();
  }, [key, modelVersion, modelKept]);

  const training = phase === 'training' || phase === 'paused';
  if (!modelKept || !answer || answer.version !== modelVersion) {
    return (
      <div className="teach-mistakes" data-testid="mistakes-view">
        <p className="teach-hint">
          {!modelKept
            ? training
              ? 'Training… the mistakes appear when it is done.'
              : 'Train a network to see which digits quantization gets wrong.'
            : 'testing…'}
        </p>
      </div>
    );
  }

  const { analysis } = answer;
  const stale = testing || answer.key !== key;
  const shown = mode === 'difference' ? analysis.quantized.map((q, i) => q - analysis.float[i]) : analysis[mode];
  const maxDiagonal = Math.max(1, maxOf(shown.filter((_, i) => i % 11 === 0).map(Math.abs)));
  const maxOff = Math.max(1, maxOf(shown.filter((_, i) => i % 11 !== 0).map(Math.abs)));
  const summary = `float ${percent(analysis.floatAccuracy, 1)}, quantized ${percent(analysis.quantizedAccuracy, 1)} of ${analysis.testCount.toLocaleString('en-US')} test images`;

  const cell = (t: number, p: number) => {
    const v = shown[t * 10 + p];
    const diagonal = t === p;
    let style: { background: string; color: string } | undefined;
    if (v !== 0) {
      if (mode === 'difference') {
        // More on the diagonal is better; more off it is worse.
        const better = diagonal ? v > 0 : v < 0;
        style = cellStyle(better ? BETTER : WORSE, 0.2 + 0.8 * Math.sqrt(Math.abs(v) / (diagonal ? maxDiagonal : maxOff)));
      } else {
        // Square root, so that a few mistakes still show beside the big diagonal.
        style = diagonal ? cellStyle(RIGHT, 0.25 + 0.75 * (v / maxDiagonal)) : cellStyle(WRONG, 0.15 + 0.85 * Math.sqrt(v / maxOff));
      }
    }
    const what = mode === 'difference' ? `${short(v, true)} images (quantized minus float)` : `${v} image${v === 1 ? '' : 's'} (${mode})`;
    return (
      <td
        key={p}
        className={diagonal ? 'teach-cell teach-diagonal' : 'teach-cell'}
        data-testid="confusion-cell"
        data-true={t}
        data-pred={p}
        data-count={v}
        title={`true ${t}, predicted ${p}: ${what}`}
        style={style}
      >
        {v === 0 ? '' : short(v, mode === 'difference')}
      </td>
    );
  };

  const accuracyCell = (d: number) => {
    const q = rowAccuracy(analysis.quantized, d);
    const f = rowAccuracy(analysis.float, d);
    if (mode === 'difference') {
      const pp = q !== null && f !== null ? Math.round((q - f) * 100) : null;
      return (
        <td key={d} className="teach-acc" title={`digit ${d}: quantized minus float accuracy, percentage points`}>
          {pp === null ? '–' : pp > 0 ? `+${pp}` : pp < 0 ? `−${-pp}` : '0'}
        </td>
      );
    }
    const a = mode === 'float' ? f : q;
    return (
      <td key={d} className="teach-acc" title={a === null ? `digit ${d}: no test images` : `digit ${d}: ${percent(a, 1)} right (${mode})`}>
        {a === null ? '–' : Math.floor(a * 100)}
      </td>
    );
  };

  const flips = analysis.flips.slice(0, GALLERY);
  const open = (flip: FlipExample) => useTeach.getState().showTestDigit(flip.pixels, { testIndex: flip.index, label: flip.label });

  return (
    <div className={stale ? 'teach-mistakes teach-stale' : 'teach-mistakes'} data-testid="mistakes-view">
      <div className="teach-mistakes-head">
        <div className="teach-modes" role="group" aria-label="Confusion matrix shows">
          {MODES.map((m) => (
            <button key={m.value} type="button" aria-pressed={mode === m.value} className={mode === m.value ? 'teach-mode selected' : 'teach-mode'} onClick={() => setMode(m.value)} data-testid={`confusion-mode-${m.value}`}>
              {m.label}
            </button>
          ))}
        </div>
        <span className="teach-testing" role="status">
          {testing ? 'testing…' : ''}
        </span>
      </div>
      <div className="teach-mistakes-body">
        <table className="teach-matrix" data-testid="confusion-matrix" data-mode={mode} aria-label={`Confusion matrix (${mode}): ${summary}; rows are the true ${noun}, columns the prediction`}>
          <caption>
            {mode === 'difference' ? 'quantized − float (rows true, cols pred.)' : `rows: true ${noun} · columns: predicted`}
          </caption>
          <thead>
            <tr>
              <th scope="col" className="teach-corner">
                <span className="sr-only">{`true ${noun} \\ predicted ${noun}`}</span>
              </th>
              {Array.from({ length: 10 }, (_, p) => (
                <th key={p} scope="col" title={named ? names[p] : undefined}>
                  {p}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: 10 }, (_, t) => (
              <tr key={t}>
                <th scope="row" title={named ? names[t] : undefined}>
                  {t}
                </th>
                {Array.from({ length: 10 }, (_, p) => cell(t, p))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="class-accuracy">
              <th scope="row" title={mode === 'difference' ? 'change in accuracy per true digit, percentage points' : 'accuracy per true digit, %'}>
                {mode === 'difference' ? 'Δpp' : 'acc%'}
              </th>
              {Array.from({ length: 10 }, (_, d) => accuracyCell(d))}
            </tr>
          </tfoot>
        </table>
        <section className="teach-flips" aria-label="Test images whose answer changed">
          <p className="teach-flips-title">Changed answers</p>
          {flips.length === 0 ? (
            <p className="teach-muted">No test image changed its answer.</p>
          ) : (
            <ul className="teach-flip-list" data-testid="flip-gallery">
              {flips.map((f) => (
                <li key={f.index}>
                  <button
                    type="button"
                    className={`teach-flip ${flipKind(f)}`}
                    data-testid="flip"
                    onClick={() => grey && open(f)}
                    title={`Test image #${f.index}, a ${names[f.label]}: ${FLIP_KIND_TEXT[flipKind(f)]}.${grey ? ' Click to show it in the drawing pad.' : ''}`}
                  >
                    {grey && <DigitCanvas pixels={f.pixels} className="teach-flip-canvas" />}
                    <span className="teach-flip-text">
                      <span>
                        float {names[f.floatPred]} → quant {names[f.quantPred]}
                      </span>
                      <span className="teach-flip-true">true {names[f.label]}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      {named && (
        <p className="teach-class-legend" data-testid="class-legend">
          {names.map((n, i) => `${i} ${n}`).join(' · ')}
        </p>
      )}
    </div>
  );
}
