import type { Lesson } from './types';

/** Seed 003: LightNN-1 and LightNN-2 replace multipliers by shifts and adds. */
export const shiftsLesson: Lesson = {
  id: 'shifts',
  title: 'From multipliers to shifts',
  source: 'Seed 003: Ding, Liu, Blanton & Marculescu, "Quantized Deep Neural Networks for Energy Efficient Hardware-based Inference" (LightNN), ASP-DAC 2018',
  steps: [
    {
      title: 'What a multiplier costs',
      text:
        'For every picture the network multiplies each weight with an input: about 80,000 multiplications, and a multiplier is the biggest, hungriest circuit on the chip. ' +
        'If no model exists yet, press Train. Note the energy per image of the 32-bit network.',
      query: 'model=mlp1&training=float&weights=float32&activations=relu&inputBits=8&layers=',
      question: 'How much energy does one picture cost with 32-bit float weights?',
      answer: '{energy} per image in our 45 nm model, most of it 32-bit float multiplications and reading 32-bit weights from memory.',
    },
    {
      title: 'Multiplying by a power of two is a shift',
      text:
        'In decimal, multiplying by 10 just moves the digits one place; in binary, multiplying by 2 does the same, and a chip does it with wires, no multiplier. ' +
        'LightNN-1 rounds each weight to plus or minus a power of two (1, 1/2, 1/4 … 1/128), so every multiplication becomes one shift.',
      query: 'weights=lightnn:k=1&activations=relu&inputBits=8&layers=',
      question: 'What does LightNN-1 cost in accuracy, and what does it save?',
      answer:
        'LightNN-1: {quantized} ({delta}) at {energy} per image, {bits} bits per weight. Seed 003 reports 2.09% error on this network against 1.72% for the 32-bit one.',
    },
    {
      title: 'Two shifts and an add',
      text:
        'LightNN-2 lets each weight be a sum of two powers of two, like 1/4 + 1/32. The chip does two shifts and one add: still no multiplier, and many more values to choose from.',
      query: 'weights=lightnn:k=2&activations=relu&inputBits=8&layers=',
      question: 'Is the second shift worth its energy?',
      answer: 'LightNN-2: {quantized} ({delta}) at {energy} per image. Seed 003: 1.86% error against 2.09% for LightNN-1, at 8 bits per weight instead of 4.',
    },
    {
      title: 'Trained for the shifts',
      text:
        'Rounding after training is quick; training with the rounding in place (QAT) lets the network learn weights that survive it. ' +
        'Here the hidden outputs are only +1 or −1 as well, which needs that training: press Train.',
      query: 'weights=lightnn:k=1&activations=sign&inputBits=8&layers=&training=qat',
      question: 'How good is LightNN-1 with ±1 activations once trained for it?',
      answer:
        'Trained with quantization: {quantized} at {energy} per image. Seed 003 reports 3.10% error for this LightNN-1-bin network: a little worse than LightNN-1, for much less energy.',
    },
  ],
};
