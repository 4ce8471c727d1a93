/**
 * NetAdapt's resource reduction schedule: each iteration cuts the resource by a step that decays
 * geometrically (the paper starts at a few percent and multiplies by 0.96-0.98), so the early,
 * cheap cuts are large and the late ones, near the budget, are small. Here the steps are sized so
 * that `iterations` of them land exactly on the budget.
 */

/** Resource targets after iterations 1..N: from `initial` down to `initial * budget`, steps decaying by `decay`. */
export function resourceTargets(initial: number, budget: number, iterations: number, decay = 0.9): number[] {
  if (!(budget > 0 && budget <= 1)) throw new RangeError(`budget must be in (0, 1], got ${budget}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  if (!(decay > 0 && decay <= 1)) throw new RangeError(`decay must be in (0, 1], got ${decay}`);
  const total = initial * (1 - budget);
  // Steps s, s d, ..., s d^(N-1) sum to the total cut.
  const weightSum = decay === 1 ? iterations : (1 - decay ** iterations) / (1 - decay);
  const targets: number[] = [];
  let cut = 0;
  for (let i = 0; i < iterations; i++) {
    cut += (total * decay ** i) / weightSum;
    targets.push(i === iterations - 1 ? initial * budget : initial - cut);
  }
  return targets;
}
