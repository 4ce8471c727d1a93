/**
 * The rule of each weight format as a formula, with the widths of the current setting filled in,
 * and one plain sentence on what the hardware does with it. KaTeX lays the math out.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo } from 'react';
import { defaultMinifloatBias, type WeightScheme } from '../../core/quant/schemes';
import './teach-classroom.css';

function Tex({ tex, small = false }: { tex: string; small?: boolean }) {
  const html = useMemo(() => katex.renderToString(tex, { displayMode: false, throwOnError: false }), [tex]);
  return <span className={small ? 'teach-tex small' : 'teach-tex'} dangerouslySetInnerHTML={{ __html: html }} />;
}

/** "e-7" or "e+3": a negative bias reads better as a plus. */
function minus(term: string, bias: number): string {
  return bias >= 0 ? `${term}-${bias}` : `${term}+${-bias}`;
}

interface FormulaParts {
  lines: string[];
  hardware: string;
}

function schemeParts(scheme: WeightScheme): FormulaParts {
  switch (scheme.kind) {
    case 'float32':
      return {
        lines: [String.raw`w=(-1)^s\,2^{e-127}\,(1.m),\ e\text{: 8 bits},\ m\text{: 23 bits}`],
        hardware: 'Hardware: a 32-bit float multiplier per weight.',
      };
    case 'fixed': {
      const b = scheme.bits;
      return {
        lines: [String.raw`q=\mathrm{clamp}(\mathrm{round}(w/\Delta))\,\Delta,\ \Delta=\max|w|/(2^{${b}-1}-1)`],
        hardware: `Hardware: ${b === 8 || b === 11 ? 'an' : 'a'} ${b}-bit integer multiplier per weight.`,
      };
    }
    case 'minifloat': {
      const { exponentBits: e, mantissaBits: m } = scheme;
      const bias = scheme.bias ?? defaultMinifloatBias(e);
      const top = 2 ** e - 2;
      const lines = [String.raw`w=(-1)^s\,2^{${minus('e', bias)}}\,(1.m),\ e\in[1,${top}],\ E=${e},\ M=${m}`];
      lines.push(
        scheme.subnormals === false
          ? String.raw`e=0{:}\ w=0\ \text{(no subnormals)}`
          : String.raw`e=0{:}\ w=(-1)^s\,2^{${minus('1', bias)}}\,(0.m)\ \text{(subnormal)}`,
      );
      return {
        lines,
        hardware: `Hardware: a small float multiplier: a ${e}-bit exponent adder and a ${m + 1}-bit mantissa multiplier.`,
      };
    }
    case 'lightnn': {
      const k = scheme.k;
      const terms = k === 1 ? '2^{-m_1}' : k === 2 ? '2^{-m_1}+2^{-m_2}' : String.raw`2^{-m_1}+\dots+2^{-m_${k}}`;
      const shifts = k === 1 ? 'x\\gg m_1' : k === 2 ? String.raw`x\gg m_1+x\gg m_2` : String.raw`x\gg m_1+\dots+x\gg m_${k}`;
      const value = k === 1 ? String.raw`\pm${terms}` : String.raw`\pm(${terms})`;
      return {
        lines: [String.raw`w\approx${value},\ m_i\in\{0,\dots,7\}${scheme.allowZero ? String.raw`\ \text{or } 0` : ''}`, String.raw`w\cdot x=\pm(${shifts})`],
        hardware: k === 1 ? 'Hardware: one shift, no multiplier.' : `Hardware: ${k} shifts and ${k - 1} add${k - 1 === 1 ? '' : 's'}, no multiplier.`,
      };
    }
    case 'binary':
      return {
        lines: [scheme.scale === 'l1' ? String.raw`w_q=\mathrm{sign}(w)\cdot\alpha,\ \alpha=\lVert W\rVert_1/n` : String.raw`w_q=\mathrm{sign}(w)\in\{-1,+1\}`],
        hardware: 'Hardware: an XNOR and a popcount with sign activations; otherwise add or subtract the input.',
      };
  }
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
