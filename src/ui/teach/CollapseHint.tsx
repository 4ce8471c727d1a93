/**
 * When the quantized network falls far below the float one, names the likely cause in one line and
 * offers the fixes, most likely first, one click each: a class sees why, not only that, it broke.
 */
import { useEffect, useState } from 'react';
import { maxOf } from '../../core/arrays';
import type { Config } from '../../core/config';
import { describeScheme, type WeightScheme } from '../../core/quant/schemes';
import type { LayerSummary } from '../../worker/protocol';
import { currentAccuracy } from '../pareto/useParetoData';
import { summariesForFormat } from '../quant/exponentSummary';
import { describeQuant, isFloatQuant, keepsEndsAt8Bit, normalizeScheme, withAutoBias, withEndsAt8Bit } from '../quantKnobs';
import { useStore, type AppState } from '../store';
import './teach-classroom.css';

/** More than this below float (5 pp) counts as a collapse, not a trade-off. */
const COLLAPSE_DROP = 0.05;

/** The float model's accuracy: only a float-trained run has one. */
export function floatAccuracyOf(s: AppState): number | null {
  const result = s.result;
  if (!result || (result.config.training !== 'float' && !isFloatQuant(result.config))) return null;
  return result.testAccuracy;
}

function sameLayers(a: Config['layers'], b: Config['layers']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function CollapseHint() {
  const quantized = useStore((s) => currentAccuracy(s)?.accuracy ?? null);
  const floatAccuracy = useStore(floatAccuracyOf);
  const config = useStore((s) => s.config);
  const modelKept = useStore((s) => s.modelKept);
  const modelVersion = useStore((s) => s.modelVersion);
  const trainedWith = useStore((s) => s.result?.config.training ?? null);
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused');

  const collapsed = quantized !== null && floatAccuracy !== null && !isFloatQuant(config) && quantized < floatAccuracy - COLLAPSE_DROP;
  const weights = config.weights;
  const exponentBits = collapsed && weights.kind === 'minifloat' ? weights.exponentBits : null;

  // E_min and the auto biases come from the worker's summary of the kept model.
  const summaryKey = `${modelVersion}|${exponentBits}`;
  const [summary, setSummary] = useState<{ key: string; layers: LayerSummary[] } | null>(null);
  useEffect(() => {
    if (exponentBits === null || !modelKept) return;
    let live = true;
    useStore
      .getState()
      .fetchLayerSummaries(exponentBits)
      .then((layers) => {
        if (live && layers && layers.length > 0) setSummary({ key: summaryKey, layers });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [summaryKey, exponentBits, modelKept]);

  if (!collapsed || quantized === null || floatAccuracy === null) return null;

  // E_min and the auto biases for this format's top (the worker's are for the IEEE top).
  const layers = summary?.key === summaryKey && weights.kind === 'minifloat' ? summariesForFormat(summary.layers, weights, exponentBits) : null;
  const eMin = layers ? maxOf(layers.map((l) => l.exponent.eMinBits)) : null;
  const narrow = weights.kind === 'minifloat' && eMin !== null && weights.exponentBits < eMin ? { e: weights.exponentBits, eMin: eMin } : null;
  const autoBiasLayers = narrow && layers ? withAutoBias(config, layers.map((l) => l.autoBias)) : null;
  const offerAutoBias = autoBiasLayers !== null && !sameLayers(autoBiasLayers, config.layers);
  const offerEnds = weights.kind !== 'float32' && !keepsEndsAt8Bit(config.layers);
  const qatPending = config.training === 'qat' && trainedWith === 'float';

  const drop = ((floatAccuracy - quantized) * 100).toFixed(1);
  const cause = narrow
    ? `E = ${narrow.e} exponent bits cover fewer sizes than the weights span (E_min = ${narrow.eMin}), so the small weights round to 0.`
    : weights.kind !== 'float32'
      ? `${describeScheme(weights)} rounds the trained weights too coarsely; the first and last layers suffer most.`
      : `${describeQuant(config)} is too coarse for a network trained in float.`;

  const { setKnob, setKnobs } = useStore.getState();
  const widerExponent = () => {
    if (!narrow || weights.kind !== 'minifloat') return;
    // Drop a hand-set bias and the per-layer minifloat overrides: both belong to the narrow format.
    const wider: WeightScheme = normalizeScheme({ kind: 'minifloat', exponentBits: narrow.eMin, mantissaBits: weights.mantissaBits, subnormals: weights.subnormals, top: weights.top, overflow: weights.overflow });
    setKnobs({ weights: wider, layers: config.layers.filter((o) => o.scheme.kind !== 'minifloat') });
  };

  return (
    <div className="collapse-hint" data-testid="collapse-hint" role="status">
      <p className="collapse-hint-line">
        <strong>{drop} pp below float.</strong> Likely cause: {cause}
      </p>
      <div className="collapse-hint-fixes">
        {offerAutoBias && autoBiasLayers && (
          <button data-testid="fix-auto-bias" disabled={locked} onClick={() => setKnob('layers', autoBiasLayers)}>
            Use auto bias per layer
          </button>
        )}
        {narrow && (
          <button data-testid="fix-wider-exponent" disabled={locked} onClick={widerExponent}>
            Wider exponent (E = {narrow.eMin})
          </button>
        )}
        {offerEnds && (
          <button data-testid="fix-ends-8bit" disabled={locked} onClick={() => setKnob('layers', withEndsAt8Bit(config.layers, true))}>
            First and last layer at 8 bits
          </button>
        )}
        {qatPending ? (
          <span className="collapse-hint-note" data-testid="fix-qat-pending">
            QAT is set: press Train to retrain with it.
          </span>
        ) : (
          config.training !== 'qat' && (
            <button data-testid="fix-qat" disabled={locked} onClick={() => setKnob('training', 'qat')} title="Sets training=qat; then press Train">
              Train with quantization (QAT)
            </button>
          )
        )}
      </div>
    </div>
  );
}
