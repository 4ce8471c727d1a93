/**
 * The open lesson as one compact card between the run bar and the screen: a step's text, a button
 * that sets its URL keys, a question, and the answer filled with what the page measured.
 */
import { useState } from 'react';
import { applyQuery } from '../../core/config';
import { costOf } from '../../core/runRecord';
import { fillPlaceholders, lessonById, type Lesson, type LessonPlaceholder } from '../../lessons';
import { formatEnergy } from '../format';
import { currentAccuracy } from '../pareto/useParetoData';
import { storageOf } from '../quantKnobs';
import { useStore, type AppState } from '../store';
import { floatAccuracyOf } from './CollapseHint';
import './teach-classroom.css';

const NOT_YET = '(train first)';

const percent = (accuracy: number) => `${(accuracy * 100).toFixed(2)}%`;

/** The answer's numbers, as the page shows them now. */
function measured(s: AppState): Record<LessonPlaceholder, string> {
  const floatAccuracy = floatAccuracyOf(s);
  const quantized = currentAccuracy(s)?.accuracy ?? null;
  const storage = storageOf(s.config);
  const bits = Number.isInteger(storage.bitsPerWeight) ? String(storage.bitsPerWeight) : storage.bitsPerWeight.toFixed(2);
  // A kept model whose number for this setting is still being measured is not "train first".
  const pending = s.modelKept && s.phase === 'done' ? '(still being measured)' : NOT_YET;
  let delta = NOT_YET;
  if (floatAccuracy !== null && quantized !== null) {
    const pp = (quantized - floatAccuracy) * 100;
    delta = `${pp >= 0 ? '+' : '−'}${Math.abs(pp).toFixed(2)} pp`;
  } else if (floatAccuracy !== null) delta = pending;
  return {
    float: floatAccuracy !== null ? percent(floatAccuracy) : s.result ? '(no float model: train with training=float)' : NOT_YET,
    quantized: quantized !== null ? percent(quantized) : s.result ? pending : NOT_YET,
    delta,
    bits,
    energy: formatEnergy(costOf(s.config).energyPJ),
  };
}

function apply(query: string) {
  const { config, applyConfig } = useStore.getState();
  // Lesson queries are checked by tests/unit/lessons.test.ts; a bad key would just be skipped.
  applyConfig(applyQuery(config, query).config);
}

export function LessonPanel() {
  const lesson = useStore((s) => lessonById(s.config.lesson));
  if (!lesson) return null;
  // Keyed by id: opening another lesson starts at its first step.
  return <LessonCard key={lesson.id} lesson={lesson} />;
}

function LessonCard({ lesson }: { lesson: Lesson }) {
  const [index, setIndex] = useState(0);
  const [shown, setShown] = useState(false);
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused');
  const answer = useStore((s) => (shown ? fillPlaceholders(lesson.steps[index].answer, measured(s)) : null));
  const step = lesson.steps[index];
  const count = lesson.steps.length;

  const go = (next: number) => {
    setIndex(next);
    setShown(false);
  };
  const close = () => useStore.getState().setKnob('lesson', null);

  return (
    <section className="teach-lesson" data-testid="lesson-panel" data-lesson={lesson.id} aria-label={`Lesson: ${lesson.title}`}>
      <div className="teach-lesson-head">
        <strong className="teach-lesson-title">{lesson.title}</strong>
        <span className="teach-lesson-count">
          step {index + 1} of {count}
        </span>
        <span className="teach-lesson-source" title={lesson.source}>
          {lesson.source}
        </span>
        <span className="teach-lesson-buttons">
          <button className="primary" data-testid="lesson-apply" disabled={locked} onClick={() => apply(step.query)} title={step.query}>
            Apply this step
          </button>
          <button data-testid="lesson-show-answer" onClick={() => setShown(!shown)} aria-expanded={shown}>
            {shown ? 'Hide answer' : 'Show answer'}
          </button>
          <button data-testid="lesson-back" disabled={index === 0} onClick={() => go(index - 1)}>
            Back
          </button>
          <button
            data-testid="lesson-next"
            disabled={index === count - 1 || locked}
            onClick={() => {
              // The class sees the next setting at once.
              apply(lesson.steps[index + 1].query);
              go(index + 1);
            }}
          >
            Next
          </button>
          <button className="teach-lesson-close" aria-label="Close the lesson" title="Close the lesson" onClick={close}>
            ×
          </button>
        </span>
      </div>
      <div className="teach-lesson-body" data-testid="lesson-step" data-step={index}>
        <div className="teach-lesson-text">
          <strong>{step.title}.</strong> {step.text}
        </div>
        <div className="teach-lesson-qa">
          <strong>Question:</strong> {step.question}
          {answer !== null && (
            <div className="teach-lesson-answer" data-testid="lesson-answer" aria-live="polite">
              {answer}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
