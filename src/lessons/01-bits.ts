import type { Lesson } from './types';

/** Seed 000: fixed-point weight bits against input resolution on MNIST. */
export const bitsLesson: Lesson = {
  id: 'bits',
  title: 'Bits versus accuracy',
  source: 'Seed 000: A. Yap, "Quantization of Neural Network", USC Viterbi SHINE 2021',
  steps: [
    {
      title: 'A network that reads digits',
      text:
        'This network looks at a 28 × 28 picture of a handwritten digit and says which digit it is; what it learned sits in about 80,000 numbers called weights. ' +
        'A computer normally stores each weight with 32 bits. If no model exists yet, press Train and wait for it to finish: each weight is then rounded to 8 bits.',
      query: 'model=mlp1&training=float&weights=fixed:bits=8&activations=relu&inputBits=8&layers=',
      question: 'How much accuracy do we lose when each weight keeps 8 bits instead of 32?',
      answer: 'The 32-bit network gets {float}, the 8-bit one {quantized}: a change of {delta}, for a quarter of the storage ({bits} bits per weight).',
    },
    {
      title: 'Four bits per weight',
      text:
        'Now each weight has 4 bits, so a layer can only use 15 evenly spaced values between minus and plus its largest weight. ' +
        'The weight histogram shows these allowed values as ticks: every weight moves to the nearest one.',
      query: 'weights=fixed:bits=4&activations=relu&inputBits=8&layers=',
      question: 'Are 4 bits still enough?',
      answer: 'With 4-bit weights: {quantized} against {float} ({delta}). Seed 000 found 98% or more for every width above 3 bits.',
    },
    {
      title: 'Two bits: the collapse',
      text:
        'With 2 bits a weight can only be minus the largest weight, 0, or plus the largest weight. ' +
        'Look at the histogram: almost all weights are much smaller than the largest one, so they all become 0.',
      query: 'weights=fixed:bits=2&activations=relu&inputBits=8&layers=',
      question: 'What happens to the accuracy, and why?',
      answer:
        'It falls to {quantized} ({delta}): with nearly every weight rounded to 0 the network has almost nothing left. ' +
        'Seed 000 saw 74.5 to 76.1% with 2-bit weights whatever the input; rounding a trained network without retraining does worse.',
    },
    {
      title: 'Coarser pictures',
      text:
        'Back to 8-bit weights; now we cut the pictures instead. With 2 bits per pixel a picture has only 4 shades: black, dark grey, light grey and white.',
      query: 'weights=fixed:bits=8&activations=relu&inputBits=2&layers=',
      question: 'Does the network still read 2-bit pictures?',
      answer: 'With 2-bit pictures: {quantized} against {float} ({delta}). Seed 000 found 2 to 8 input bits within about 0.5 pp of each other.',
    },
    {
      title: 'Black and white',
      text: 'One bit per pixel leaves pure black and white. Compare the number with the previous step.',
      query: 'weights=fixed:bits=8&activations=relu&inputBits=1&layers=',
      question: 'Is 1 bit per pixel one step too far?',
      answer: 'With 1-bit pictures: {quantized} ({delta}). Our runs lose 0.5 to 1.5 pp at 1 bit, more than at 2 bits: that is why seed 000 calls 2 input bits a good compromise.',
    },
    {
      title: 'Your turn: the cheapest good setting',
      text:
        'Put both savings together: 4-bit weights and 2-bit pictures. Then move the weight-bits and input-bits sliders yourself and watch the energy per image.',
      query: 'weights=fixed:bits=4&activations=relu&inputBits=2&layers=',
      question: 'What are the fewest bits that stay within 1 pp of the 32-bit network?',
      answer:
        'This setting: {quantized} ({delta}) at {energy} per image with {bits} bits per weight. ' +
        'In our runs 4-bit weights with 2-bit pictures stay within about 0.5 pp; 3-bit weights lose several pp unless the network is trained with quantization.',
    },
  ],
};
