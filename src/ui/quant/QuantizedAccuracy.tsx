/** Beside the test accuracy: the run's own quantized accuracy, and live PTQ of the kept weights. */
import { describeQuant, isFloatQuant, pct, quantKey } from '../quantConfig';
import { useStore } from '../store';

/** The quantized model of the run's own config (PTQ after float training, or the QAT model). */
export function RunQuantizedAccuracy() {
  const result = useStore((s) => s.result);
  if (!result || result.quantizedAccuracy === null || isFloatQuant(result.config)) return null;
  const how = result.config.training === 'qat' ? 'QAT' : 'PTQ after float training';
  return (
    <div className="stat">
      <h3>This run, quantized</h3>
      <p className="big">
        <span data-testid="quantized-accuracy">{pct(result.quantizedAccuracy)}</span>
        <span className="unit">%</span>
      </p>
      <p className="muted small">
        {describeQuant(result.config)} · {how}
      </p>
    </div>
  );
}

/** Re-evaluates the kept model whenever a quantization knob changes (the store debounces). */
export function PtqAccuracy() {
  const shown = useStore((s) => s.modelKept && s.phase === 'done' && s.result !== null);
  const config = useStore((s) => s.config);
  const result = useStore((s) => s.result);
  const ptq = useStore((s) => s.ptqResults[quantKey(s.config)]);
  const running = useStore((s) => s.ptqRunning);
  const error = useStore((s) => s.ptqError);
  if (!shown || !result) return null;
  const reference = result.testAccuracy;
  const ownSetting = quantKey(config) === quantKey(result.config);
  return (
    <div className="stat ptq">
      <h3>Quantized accuracy (PTQ of the trained weights)</h3>
      {ownSetting ? (
        <p className="muted">Change a quantization knob: the trained weights are quantized and tested again, without retraining.</p>
      ) : ptq ? (
        <>
          <p className="big">
            <span data-testid="ptq-accuracy">{pct(ptq.accuracy)}</span>
            <span className="unit">%</span>
            {reference !== null && (
              <span className="delta" data-testid="ptq-delta">
                {' '}
                {ptq.accuracy >= reference ? '+' : '−'}
                {Math.abs((ptq.accuracy - reference) * 100).toFixed(2)} pp
              </span>
            )}
          </p>
          <p className="muted small" data-testid="ptq-setting">
            {describeQuant(config)}
            {` · ${Math.round(ptq.ms)} ms, no retraining`}
          </p>
        </>
      ) : error ? (
        <p className="error-text">{error}</p>
      ) : (
        <p className="muted" data-testid="ptq-pending">
          {running ? 'evaluating' : 'waiting for'} {describeQuant(config)}…
        </p>
      )}
    </div>
  );
}
