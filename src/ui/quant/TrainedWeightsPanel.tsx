/** The kept model's weights: histogram with the legal values, and the exponent width per layer. */
import { useStore } from '../store';
import { ExponentTable } from './ExponentTable';
import { useKeptModelQuery } from './useKeptModelQuery';
import { WeightHistogram } from './WeightHistogram';

export function TrainedWeightsPanel() {
  const modelKept = useStore((s) => s.modelKept);
  const modelVersion = useStore((s) => s.modelVersion);
  const exponentBits = useStore((s) => (s.config.weights.kind === 'minifloat' ? s.config.weights.exponentBits : null));
  const fetchLayerSummaries = useStore((s) => s.fetchLayerSummaries);
  const { value: layers, error } = useKeptModelQuery(() => fetchLayerSummaries(exponentBits), [modelKept, modelVersion, exponentBits]);
  if (!modelKept) return null;
  return (
    <section className="panel trained-weights">
      <h2>Trained weights</h2>
      {error && <p className="error-text">{error}</p>}
      {layers && layers.length > 0 && (
        <>
          <WeightHistogram layers={layers} />
          <ExponentTable layers={layers} exponentBits={exponentBits} />
        </>
      )}
    </section>
  );
}
