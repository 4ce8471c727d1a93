import type { Lesson } from './types';

/** Seeds 002 and 003: BinaryConnect, BinaryNet, the l1 scale and hysteresis. */
export const binaryLesson: Lesson = {
  id: 'binary',
  title: 'Binary networks',
  source:
    'Seed 003: Ding et al., ASP-DAC 2018 (BinaryConnect, Courbariaux et al. 2015; BinaryNet, Hubara et al. 2016); seed 002: 1-bit weights with an L1 scale and hysteresis',
  steps: [
    {
      title: 'One bit per weight',
      text:
        'If no model exists yet, press Train. Now the extreme: every weight is just +1 or −1 (BinaryConnect), one bit instead of 32, and multiplying by it means adding or subtracting the input.',
      query: 'model=mlp1&training=float&weights=binary:scale=none&activations=relu&inputBits=8&layers=',
      question: 'What happens if we keep only the sign of each trained weight?',
      answer:
        '{quantized} ({delta}) at {bits} bit per weight. Keeping only the signs throws away how strong each connection was; a network meant to be binary is trained binary.',
    },
    {
      title: 'Keep the average size',
      text:
        'Seed 002 multiplies the signs by one number per layer, α, the average size of the layer\'s weights. ' +
        'The signs stay the same, but the weights now have about the size the rest of the network expects, for one multiplication per layer.',
      query: 'weights=binary:scale=l1&activations=relu&inputBits=8&layers=',
      question: 'Does the scale α help?',
      answer: 'With ±α: {quantized} ({delta}), still 1 bit per weight plus one number per layer.',
    },
    {
      title: 'Train it binary',
      text:
        'Press Train: the network now learns with binary weights in every forward pass, while a hidden float copy of each weight collects the small updates (seed 003 trains this way).',
      query: 'weights=binary:scale=l1&activations=relu&inputBits=8&layers=&training=qat',
      question: 'How close does a network trained binary get?',
      answer:
        'Trained binary: {quantized}. Seed 003 reports 4.10% error for BinaryConnect on this small network against 1.72% for 32-bit weights: binary costs accuracy on small networks.',
    },
    {
      title: 'Hysteresis',
      text:
        'A hidden weight close to 0 can flip its sign at every training step, which makes training shaky. ' +
        'Seed 002 lets a sign flip only once the weight has moved past 0.1 on the other side, like a thermostat that waits before switching. Press Train again.',
      query: 'weights=binary:scale=l1,hysteresis=0.1&activations=relu&inputBits=8&layers=&training=qat',
      question: 'Does the hysteresis change the result?',
      answer: 'With hysteresis: {quantized}. Compare it with the last step: the loop mainly steadies training, it does not add information.',
    },
    {
      title: 'BinaryNet: binary activations too',
      text:
        'BinaryNet makes the hidden outputs +1 or −1 as well. Multiplying two ±1 numbers is then a single XNOR gate and adding them up is counting ones: the cheapest network there is. Press Train.',
      query: 'weights=binary:scale=none&activations=sign&inputBits=8&layers=&training=qat',
      question: 'What does BinaryNet cost, and what does it save?',
      answer:
        'BinaryNet: {quantized} at {energy} per image. Seed 003: 6.79% error on this small network but 0.96% on a 3 × 4096 one: binary networks need size to make up for their lost precision.',
    },
  ],
};
