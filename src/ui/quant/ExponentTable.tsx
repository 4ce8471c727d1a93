/** Our minimum exponent width per layer (formula inspired by seed 001), and auto bias. */
import { maxOf } from '../../core/arrays';
import type { ExponentTop } from '../../core/quant/schemes';
import type { LayerSummary } from '../../worker/protocol';
import { TableHead } from '../common/TableHead';
import { withAutoBias } from '../quantKnobs';
import { useStore } from '../store';
import { exponentRuleConstants } from './exponentSummary';

/** `layers`: summaries for `format`'s top (summariesForFormat). */
export function ExponentTable({ layers, exponentBits, format = {} }: { layers: LayerSummary[]; exponentBits: number | null; format?: ExponentTop }) {
  const { plus, minus, topHoldsNumbers } = exponentRuleConstants(format);
  const locked = useStore((s) => s.phase === 'training' || s.phase === 'paused');
  const applyAutoBias = () => {
    const { config, setKnob } = useStore.getState();
    setKnob('layers', withAutoBias(config, layers.map((l) => l.autoBias)));
  };
  const modelMin = maxOf(layers.map((l) => l.exponent.eMinBits));
  return (
    <div className="exponents">
      <h3>Minimum exponent width for minifloat weights</h3>
      <p className="muted small">
        Our formula, inspired by seed 001: e<sub>max</sub> = ⌊log2 max|w|⌋, e<sub>min</sub> = ⌊log2 of the 1st percentile of the
        non-zero |w|⌋, E<sub>min</sub> = ⌈log2(e<sub>max</sub> − e<sub>min</sub> + <span data-testid="exponent-rule-plus">{plus}</span>)⌉;
        auto bias = 2<sup>E</sup> − <span data-testid="exponent-rule-minus">{minus}</span> − e<sub>max</sub>
        {topHoldsNumbers
          ? ` (top = ${format.top}: the top exponent code holds numbers, so 2^E − 1 exponents are normal, one more than IEEE's 2^E − 2).`
          : ' (IEEE top: the top exponent code is reserved, so 2^E − 2 exponents are normal).'}
      </p>
      <table data-testid="exponent-table">
        <TableHead
          columns={[
            'layer',
            'max |w|',
            <>e<sub>max</sub></>,
            <>e<sub>min</sub></>,
            <>E<sub>min</sub></>,
            `auto bias ${exponentBits === null ? '(E = Emin)' : `(E = ${exponentBits})`}`,
          ]}
        />
        <tbody>
          {layers.map((l) => (
            <tr key={l.index}>
              <td>{l.name}</td>
              <td>{l.maxAbs.toPrecision(3)}</td>
              <td>{l.exponent.eMax}</td>
              <td>{l.exponent.eMin}</td>
              <td className="strong">{l.exponent.eMinBits}</td>
              <td>{l.autoBias}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Model: E<sub>min</sub> = <strong data-testid="model-min-exponent-bits">{modelMin}</strong> exponent bits
        {exponentBits !== null && (
          <button className="small-button" data-testid="apply-auto-bias" disabled={locked} onClick={applyAutoBias}>
            Use auto bias per layer
          </button>
        )}
      </p>
    </div>
  );
}
