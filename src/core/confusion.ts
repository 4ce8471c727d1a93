/**
 * Confusion matrices and the test images quantization changed: which digits the quantized model
 * mistakes for which, beyond the single accuracy number. Pure: the page and the worker share it.
 */

export interface Flip {
  index: number;
  label: number;
  floatPred: number;
  quantPred: number;
}

/** Row-major counts, index true * classes + predicted (rows: true class, columns: prediction). */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes = 10): number[] {
  if (labels.length !== predictions.length) {
    throw new RangeError(`${labels.length} labels but ${predictions.length} predictions.`);
  }
  const matrix = new Array<number>(classes * classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predictions[i];
    // A class out of range would land in another cell silently: refuse it.
    if (!(t >= 0 && t < classes && p >= 0 && p < classes && Number.isInteger(t) && Number.isInteger(p))) {
      throw new RangeError(`Example ${i}: label ${t} or prediction ${p} is not a class 0..${classes - 1}.`);
    }
    matrix[t * classes + p]++;
  }
  return matrix;
}

/** Per true class, the fraction predicted right (recall); null for a class with no examples. */
export function perClassAccuracy(matrix: number[], classes = 10): (number | null)[] {
  const out: (number | null)[] = [];
  for (let t = 0; t < classes; t++) {
    let total = 0;
    for (let p = 0; p < classes; p++) total += matrix[t * classes + p];
    out.push(total === 0 ? null : matrix[t * classes + t] / total);
  }
  return out;
}

/** The diagonal over the total: the overall accuracy (0 for an empty matrix, as evaluate gives). */
export function matrixAccuracy(matrix: number[], classes = 10): number {
  let total = 0;
  let right = 0;
  for (let i = 0; i < classes * classes; i++) total += matrix[i];
  for (let t = 0; t < classes; t++) right += matrix[t * classes + t];
  return total === 0 ? 0 : right / total;
}

/**
 * Test images on which the float and the quantized model disagree: first those that quantization
 * broke (float right, quantized wrong), the ones worth showing, then the rest (quantization fixed
 * them, or both wrong differently); each group in index order, at most `limit` in all.
 */
export function findFlips(labels: ArrayLike<number>, floatPred: ArrayLike<number>, quantPred: ArrayLike<number>, limit = 16): Flip[] {
  if (labels.length !== floatPred.length || labels.length !== quantPred.length) {
    throw new RangeError(`${labels.length} labels, ${floatPred.length} float and ${quantPred.length} quantized predictions.`);
  }
  const broken: Flip[] = [];
  const others: Flip[] = [];
  for (let i = 0; i < labels.length && broken.length < limit; i++) {
    if (floatPred[i] === quantPred[i]) continue;
    const flip = { index: i, label: labels[i], floatPred: floatPred[i], quantPred: quantPred[i] };
    if (floatPred[i] === labels[i]) broken.push(flip);
    else if (others.length < limit) others.push(flip);
  }
  return [...broken, ...others].slice(0, Math.max(0, limit));
}
