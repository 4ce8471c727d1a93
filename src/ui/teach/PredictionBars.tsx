/**
 * Ten horizontal bars, one per digit: plain divs rather than a chart library, because they are
 * redrawn on every animation frame while someone draws.
 */
import { useClassNames } from '../data/dataStore';
import './teach.css';

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

function percent(p: number): string {
  const v = p * 100;
  if (v > 0 && v < 0.5) return '<1%';
  return `${Math.round(v)}%`;
}

export function PredictionBars({ title, probabilities, tone, testId }: { title: string; probabilities: number[]; tone: 'float' | 'quantized'; testId: string }) {
  const best = argmax(probabilities);
  // Fashion-MNIST's and CIFAR-10's classes by name; MNIST's names are its digits.
  const names = useClassNames();
  const named = names.some((n, i) => n !== String(i));
  return (
    <figure className={`teach-bars teach-bars-${tone}${named ? ' teach-bars-named' : ''}`} data-testid={testId}>
      <figcaption>
        <span className="teach-bars-title">{title}</span>
        <span className="teach-bars-answer">
          <span className="sr-only">guesses </span>
          {names[best] ?? best}
        </span>
      </figcaption>
      <ol className="teach-bar-list">
        {probabilities.map((p, digit) => (
          <li key={digit} className={digit === best ? 'teach-bar teach-best' : 'teach-bar'} data-testid={`prediction-bar-${digit}`} data-p={p} title={`${names[digit] ?? digit}: ${(p * 100).toFixed(2)}%`}>
            <span className={named ? 'teach-bar-digit teach-bar-name' : 'teach-bar-digit'}>{names[digit] ?? digit}</span>
            <span className="teach-bar-track" aria-hidden="true">
              <span className="teach-bar-fill" style={{ transform: `scaleX(${Math.min(1, Math.max(0, p))})` }} />
            </span>
            <span className="teach-bar-pct">{percent(p)}</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}
