/**
 * The rule of each weight format as a formula, with the widths of the current setting filled in,
 * and one plain sentence on what the hardware does with it. KaTeX lays the math out.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo } from 'react';
import { formatOf, type WeightScheme } from '../../core/quant/schemes';
import type { FormulaParts } from '../../core/quant/formats';
import './teach-classroom.css';

function Tex({ tex, small = false }: { tex: string; small?: boolean }) {
  const html = useMemo(() => katex.renderToString(tex, { displayMode: false, throwOnError: false }), [tex]);
  return <span className={small ? 'teach-tex small' : 'teach-tex'} dangerouslySetInnerHTML={{ __html: html }} />;
}

// Each format's formula lives with its rules (src/core/quant/formats/).
function schemeParts(scheme: WeightScheme): FormulaParts {
  return formatOf(scheme).formula(scheme);
}

/**
 * The current weight format's rule and what it costs in hardware. Each line is set in pieces at
 * its top-level commas, so a narrow column wraps between the pieces instead of clipping them.
 */
export function SchemeFormula({ scheme, hardwareNote = true }: { scheme: WeightScheme; hardwareNote?: boolean }) {
  const { lines, hardware } = schemeParts(scheme);
  return (
    <span className="teach-formula" data-testid="scheme-formula" data-kind={scheme.kind} title={hardwareNote ? undefined : hardware}>
      {lines.map((tex, i) => (
        <span key={i} className="teach-formula-line">
          {tex.split(String.raw`,\ `).map((piece, j) => (
            <Tex key={j} tex={piece} small={i > 0} />
          ))}
        </span>
      ))}
      {hardwareNote && <span className="teach-formula-note">{hardware}</span>}
    </span>
  );
}

/** How pixels are rounded at `bits` bits. */
export function InputFormula({ bits }: { bits: number }) {
  const levels = 2 ** bits;
  return (
    <span className="teach-formula" data-testid="input-formula" data-bits={bits}>
      <Tex tex={String.raw`x_q=\mathrm{round}\big(x\,(2^{${bits}}-1)\big)/(2^{${bits}}-1)`} />
      <span className="teach-formula-note">
        Each pixel x in [0, 1] keeps {levels} shades{bits === 1 ? ': black or white' : ''}.
      </span>
    </span>
  );
}

/** Our minimum exponent width (inspired by seed 001), as src/core/quant/schemes.ts minExponentBits computes it. */
export function EminFormula() {
  return (
    <span className="teach-formula" data-testid="emin-formula">
      <Tex tex={String.raw`E_{\min}=\lceil\log_2(e_{\max}-e_{\min}+3)\rceil`} />
      <Tex small tex={String.raw`e_{\max}=\lfloor\log_2\max|w|\rfloor,\ e_{\min}=\lfloor\log_2|w|_{1\%}\rfloor`} />
      <Tex small tex={String.raw`\text{auto bias}=2^E-2-e_{\max}`} />
      <span className="teach-formula-note">
        Our formula, inspired by seed 001: enough exponent codes for every power of two from the largest weight down to the smallest 1 % of the
        non-zero weights (|w|<sub>1%</sub>), with two codes kept for zero and the top.
      </span>
    </span>
  );
}
