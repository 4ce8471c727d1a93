/**
 * The search behind cifar3conv and cifar6conv (docs/datasets.md): which networks of seed 003's
 * description ("three convolution layers and one fully-connected layer", 82,208 parameters; "six
 * convolution layers and three fully-connected layers", 39,191,690) built from BinaryConnect's and
 * BinaryNet's CIFAR-10 blocks (3x3 zero-padded convolutions, 2x2 max pools, dense layers) have
 * exactly those counts, counting weights plus biases as the seed's MNIST counts do. Prints them.
 *
 *   npx tsx scripts/cifar-architectures.ts
 */
import { parameterCount } from '../src/core/models';

const THREE = 82_208;
const SIX = 39_191_690;
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const dense = (inputs: number, units: number) => inputs * units + units;

// The models as built, to tie the search to the code.
console.log(`cifar3conv: ${parameterCount({ model: 'cifar3conv' })}, cifar6conv: ${parameterCount({ model: 'cifar6conv' })}`);

// 6-conv: BinaryConnect's 2xA-C3, 2xB-C3, 2xC-C3 with pools after some pairs, then dense D, E, 10.
const WIDTHS = [32, 64, 96, 128, 192, 256, 384, 512, 768, 1024];
const DENSE = [128, 256, 500, 512, 1000, 1024, 2048, 4096];
for (const a of WIDTHS) for (const b of WIDTHS) for (const c of WIDTHS) {
  if (a > b || b > c) continue;
  const convs = conv(3, 3, a) + conv(3, a, a) + conv(3, a, b) + conv(3, b, b) + conv(3, b, c) + conv(3, c, c);
  for (const pools of [1, 2, 3]) {
    const side = 32 >> pools;
    for (const d of DENSE) for (const e of DENSE) {
      if (e > d) continue;
      if (convs + dense(side * side * c, d) + dense(d, e) + dense(e, 10) === SIX) {
        console.log(`6-conv: 2x${a}C3 2x${b}C3 2x${c}C3, ${pools} pools (${side}x${side}x${c}), FC ${d}-${e}-10`);
      }
    }
  }
}

// 3-conv: aC3 - MP2 - bC3 - MP2 - cC3 - MP2 - 10 (one conv per stage), any widths a <= b <= c.
// c follows from a and b: the count is linear in it.
for (const pools of [3, 2, 1, 0]) {
  const side = 32 >> pools;
  for (let a = 8; a <= 512; a++) for (let b = a; b <= 512; b++) {
    const rest = THREE - conv(3, 3, a) - conv(3, a, b) - 10;
    const per = 9 * b + 1 + 10 * side * side;
    if (rest > 0 && rest % per === 0) {
      const c = rest / per;
      const growth = Math.abs(Math.log2(b / a) - 1) + Math.abs(Math.log2(c / b) - 1);
      if (c >= b) console.log(`3-conv: ${a}C3 - ${b}C3 - ${c}C3, ${pools} pools (${side}x${side}x${c}), FC 10; distance from doubling ${growth.toFixed(2)}`);
    }
  }
}
