import type { Lesson } from './types';

/** Seed 001: float weights with fewer exponent and mantissa bits, and the minimum exponent width. */
export const floatsLesson: Lesson = {
  id: 'floats',
  title: 'Floats with fewer bits',
  source: 'Seed 001: Devnath, Surana & Mekie, "A Mathematical Approach Towards Quantization of Floating Point Weights in Low Power Neural Networks", VLSID 2020',
  steps: [
    {
      title: 'Numbers in scientific notation',
      text:
        'A float stores a number the way scientists write 1.25 × 2⁻³: the exponent (−3) says how big the number is, and the mantissa (1.25) holds its digits. ' +
        'If no model exists yet, press Train. Here each weight gets 1 sign bit, 5 exponent bits and 4 mantissa bits: 10 bits instead of 32.',
      query: 'model=mlp1&training=float&weights=minifloat:exponentBits=5,mantissaBits=4&activations=relu&inputBits=8&layers=',
      question: 'Seed 001 says 10-bit float weights work as well as 32-bit ones. Is that true here?',
      answer: '10-bit floats: {quantized} against {float} ({delta}). The paper found the same on eight networks.',
    },
    {
      title: 'Rough digits',
      text:
        'Keep the 5 exponent bits but leave 1 mantissa bit: every weight is now 1 or 1.5 times a power of two. ' +
        'The size of each weight is still right; only its digits are rough.',
      query: 'weights=minifloat:exponentBits=5,mantissaBits=1&activations=relu&inputBits=8&layers=',
      question: 'How much do rough digits cost?',
      answer: '{quantized} ({delta}) with {bits} bits per weight. Getting the size of a weight right matters more than its exact digits.',
    },
    {
      title: 'Too few sizes',
      text:
        'Now only 2 exponent bits: the format knows just a handful of sizes, and its smallest number above 0 is 0.5. ' +
        'Nearly every trained weight is smaller than 0.25, so it is rounded to 0.',
      query: 'weights=minifloat:exponentBits=2,mantissaBits=1&activations=relu&inputBits=8&layers=',
      question: 'Why does accuracy collapse with only 2 exponent bits?',
      answer:
        'It falls to {quantized} ({delta}): the weights are smaller than anything the format can store, so they vanish. ' +
        'Seed 001: below a minimum exponent width accuracy drops drastically.',
    },
    {
      title: 'Slide the window: the bias',
      text:
        'The bias slides the window of sizes a format can store. Press "Use auto bias per layer" (in the hint, or under the weight histogram): ' +
        'each layer\'s window then ends at its own largest weight, so the small ones stop falling out.',
      query: 'weights=minifloat:exponentBits=2,mantissaBits=1&activations=relu&inputBits=8',
      question: 'How much does a better-placed window win back, with the same 4 bits?',
      answer:
        'With auto bias: {quantized} ({delta}). Same bits, better aim; the rest of the loss needs more exponent bits, since 2 bits cover too few sizes.',
    },
    {
      title: 'The minimum exponent width',
      text:
        'Our formula, inspired by seed 001, counts how many powers of two the weights span, from the largest down to the smallest 1 %, and turns that into E_min, the fewest exponent bits that cover them. ' +
        'The table under the weight histogram shows E_min for each layer; here E = 4.',
      query: 'weights=minifloat:exponentBits=4,mantissaBits=1&activations=relu&inputBits=8&layers=',
      question: 'What is E_min for this model, and is E = 4 enough?',
      answer:
        'At E = 4: {quantized} ({delta}) with {bits} bits per weight. Our mlp1 models need E_min = 4; with that many exponent bits even 1 mantissa bit stays close to 32 bits.',
    },
  ],
};
