import type { Lesson } from './types';

/** Seed 003's accuracy-energy chart: which settings are Pareto-optimal, and why. */
export const paretoLesson: Lesson = {
  id: 'pareto',
  title: 'Reading a Pareto front',
  source: 'Seed 003: Ding et al., ASP-DAC 2018, "Guideline for model selection: red triangles are Pareto-optimal"',
  steps: [
    {
      title: 'Two goals at once',
      text:
        'If no model exists yet, press Train. We want a network that is accurate and cheap, but the two pull apart. ' +
        'The chart puts every setting we test at one point: accuracy up the side, energy per image along the bottom, so cheaper is further left.',
      query: 'model=mlp1&training=float&weights=float32&activations=relu&inputBits=8&layers=',
      question: 'Where on the chart would the perfect network sit, and where is the 32-bit one?',
      answer: 'The perfect one would be top left. The 32-bit network gets {float} at {energy} per image: high, but far to the right.',
    },
    {
      title: 'A cheaper point',
      text:
        'Every setting the page tests becomes a point; the orange ring is the current one. 8-bit weights move it far to the left at almost the same height.',
      query: 'weights=fixed:bits=8&activations=relu&inputBits=8&layers=',
      question: 'Is the 32-bit network still a good choice?',
      answer:
        '8-bit: {quantized} at {energy} per image ({delta}). Unless you need the last hundredth of a percent, the 8-bit point gives the same accuracy for much less energy.',
    },
    {
      title: 'Cheap but useless',
      text:
        '2-bit weights move the point further left, and it drops to the bottom of the chart. Add a few more points yourself: press the Paper presets one by one.',
      query: 'weights=fixed:bits=2&activations=relu&inputBits=8&layers=',
      question: 'Is the cheapest point always the best buy?',
      answer: '2-bit: {quantized} at {energy}. Cheap, but a network that is wrong most of the time is worth nothing: low cost alone is not enough.',
    },
    {
      title: 'The front',
      text:
        'A point is dominated when another point is both cheaper and at least as accurate. The red triangles joined by a staircase are the points nobody dominates: the Pareto front. The hollow diamonds are the paper\'s seven models.',
      query: 'weights=lightnn:k=1&activations=relu&inputBits=8&layers=',
      question: 'Is LightNN-1 on the front, and what does the front tell a chip designer?',
      answer:
        'LightNN-1: {quantized} at {energy} per image. Any point off the front can be swapped for a front point that is cheaper, more accurate or both; the real choice is only along the front: how much accuracy is each picojoule worth?',
    },
    {
      title: 'Choose with a budget',
      text:
        'Suppose the chip may spend at most a tenth of the 32-bit network\'s energy per picture. Find the most accurate red triangle left of that budget; that is your design.',
      query: 'weights=lightnn:k=2&activations=relu&inputBits=8&layers=',
      question: 'Which setting would you build?',
      answer:
        'LightNN-2 here: {quantized} at {energy} per image. Seed 003 reaches the same conclusion: LightNNs give designers points between the accurate 32-bit network and the cheap binary ones.',
    },
  ],
};
