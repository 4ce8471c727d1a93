/** The kept model's weights: a histogram with the legal values, and for floats the exponent width per layer. */
import { useMemo } from 'react';
import { useStore } from '../store';
import { Intro } from '../teach/Intro';
import { ExponentTable } from './ExponentTable';
import { summariesForFormat } from './exponentSummary';
import { useKeptModelQuery } from './useKeptModelQuery';
import { WeightHistogram } from './WeightHistogram';

export function WeightsView() {
  const modelKept = useStore((s) => s.modelKept);
  const modelVersion = useStore((s) => s.modelVersion);
  const exponentBits = useStore((s) => (s.config.weights.kind === 'minifloat' ? s.config.weights.exponentBits : null));
  // What E_min and the auto bias depend on besides E: the top code (and M, for 'fn').
  const top = useStore((s) => (s.config.weights.kind === 'minifloat' ? (s.config.weights.top ?? 'ieee') : 'ieee'));
  const mantissaBits = useStore((s) => (s.config.weights.kind === 'minifloat' ? s.config.weights.mantissaBits : 3));
  const fetchLayerSummaries = useStore((s) => s.fetchLayerSummaries);
  const { value: layers, error } = useKeptModelQuery(() => fetchLayerSummaries(exponentBits), [modelKept, modelVersion, exponentBits]);
  const format = useMemo(() => ({ top, mantissaBits }), [top, mantissaBits]);
  const exponentLayers = useMemo(() => (layers ? summariesForFormat(layers, format, exponentBits) : null), [layers, format, exponentBits]);
  if (!modelKept)
    return (
      <>
        <Intro />
        <p className="muted empty-view">Train a network: its weights appear here, with the values the format can hold.</p>
      </>
    );
  return (
    <div className="trained-weights">
      {error && <p className="error-text">{error}</p>}
      {layers && layers.length > 0 && (
        <>
          <WeightHistogram layers={layers} compact height={200} />
          {exponentBits !== null && (
            <details className="more">
              <summary>Exponent bits each layer needs (E_min) and auto bias</summary>
              <ExponentTable layers={exponentLayers ?? layers} exponentBits={exponentBits} format={format} />
            </details>
          )}
        </>
      )}
    </div>
  );
}
