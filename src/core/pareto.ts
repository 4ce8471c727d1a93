/**
 * Pareto front of (accuracy, cost) points: maximise accuracy, minimise cost.
 *
 * A point is dominated when another point has accuracy >= and cost <=, with at least one of the two
 * strict. Exact duplicates of a front point do not dominate each other, so all of them are on the
 * front. Points whose accuracy or cost is not a finite number are never on the front and never
 * dominate anything (a failed or unfinished run must not hide a real one).
 */

/** Reads a point's cost as a finite number, or undefined when it is missing, NaN or infinite. */
function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Indices (ascending) of the non-dominated points. O(n log n): sort by cost ascending, then sweep
 * group by group of equal cost, keeping the best accuracy seen at strictly lower cost.
 */
export function paretoFront<T extends { accuracy: number }>(
  points: readonly T[],
  costKey: keyof T & string = 'energy' as keyof T & string,
): number[] {
  const candidates: { index: number; cost: number; accuracy: number }[] = [];
  points.forEach((point, index) => {
    const cost = finiteNumber(point[costKey]);
    const accuracy = finiteNumber(point.accuracy);
    if (cost !== undefined && accuracy !== undefined) candidates.push({ index, cost, accuracy });
  });
  candidates.sort((a, b) => a.cost - b.cost || b.accuracy - a.accuracy);

  const front: number[] = [];
  let bestAccuracyAtLowerCost = -Infinity;
  let groupStart = 0;
  while (groupStart < candidates.length) {
    // Within one cost group the first entry has the group's best accuracy (sorted descending).
    const groupCost = candidates[groupStart].cost;
    const groupBest = candidates[groupStart].accuracy;
    let groupEnd = groupStart;
    while (groupEnd < candidates.length && candidates[groupEnd].cost === groupCost) {
      const candidate = candidates[groupEnd];
      // Same cost and lower accuracy is dominated; equal accuracy at strictly lower cost too.
      if (candidate.accuracy === groupBest && candidate.accuracy > bestAccuracyAtLowerCost) {
        front.push(candidate.index);
      }
      groupEnd++;
    }
    bestAccuracyAtLowerCost = Math.max(bestAccuracyAtLowerCost, groupBest);
    groupStart = groupEnd;
  }
  return front.sort((a, b) => a - b);
}
