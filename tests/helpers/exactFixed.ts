/**
 * Exact fixed-point reference for the tests (BigInt arithmetic only, no float rounding): a double
 * as mantissa * 2^exponent, round half to even of a fraction, correct rounding to float32.
 */

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function decompose(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  f64[0] = x;
  const bits = u64[0];
  const field = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  return {
    negative: bits >> 63n === 1n,
    mantissa: field === 0 ? fraction : fraction | (1n << 52n),
    exponent: field === 0 ? -1074 : field - 1075,
  };
}

/** Round half to even of num / den (den > 0). */
export function divideRoundHalfEven(num: bigint, den: bigint): bigint {
  const negative = num < 0n;
  const a = negative ? -num : num;
  let q = a / den;
  const twiceRemainder = 2n * (a - q * den);
  if (twiceRemainder > den || (twiceRemainder === den && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** num / den as an exact fraction with den > 0, from x * factor / divisor (x a double). */
export function fraction(x: number, factor: bigint, divisor: bigint): { num: bigint; den: bigint } {
  const { negative, mantissa, exponent } = decompose(x);
  let num = mantissa * factor;
  let den = divisor;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  return { num: negative ? -num : num, den };
}

/** The exact code: round half to even of w * n / c (c = max|w| or a clip), clamped to [-n, n]. */
export function exactCode(w: number, n: number, c: number): number {
  const a = fraction(w, BigInt(n), 1n);
  const b = fraction(c, 1n, 1n);
  const q = Number(divideRoundHalfEven(a.num * b.den, a.den * b.num));
  return Math.max(-n, Math.min(n, q));
}

/** num / den (> 0) rounded to float32, half to even, subnormals included. */
export function roundToFloat32(num: bigint, den: bigint): number {
  // e = floor(log2(num / den)): estimate, then settle exactly.
  let e = Math.floor(Math.log2(Number(num)) - Math.log2(Number(den)));
  const atLeast = (k: number) => (k >= 0 ? num >= den << BigInt(k) : num << BigInt(-k) >= den);
  while (!atLeast(e)) e--;
  while (atLeast(e + 1)) e++;
  const quantumExponent = Math.max(e, -126) - 23;
  const units =
    quantumExponent >= 0 ? divideRoundHalfEven(num, den << BigInt(quantumExponent)) : divideRoundHalfEven(num << BigInt(-quantumExponent), den);
  return Number(units) * 2 ** quantumExponent;
}

/** The exact value of a code: code * c / n correctly rounded to float32. */
export function exactValue(code: number, n: number, c: number): number {
  if (code === 0) return 0;
  const { num, den } = fraction(c, BigInt(Math.abs(code)), BigInt(n));
  const magnitude = roundToFloat32(num, den);
  return code < 0 ? -magnitude : magnitude;
}
