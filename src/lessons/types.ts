/**
 * A guided lesson: a few steps, each of which sets some URL keys, asks the class a question and
 * answers it with the numbers the page measured. Lessons are plain data so they can be checked
 * (tests/unit/lessons.test.ts) and written by people who never touch React.
 */

/** Placeholders an answer may use; the lesson panel fills them from the store. */
export const LESSON_PLACEHOLDERS = ['float', 'quantized', 'delta', 'bits', 'energy'] as const;
export type LessonPlaceholder = (typeof LESSON_PLACEHOLDERS)[number];

export interface LessonStep {
  title: string;
  /** Two or three plain sentences: what this step shows and what to look at. */
  text: string;
  /** URL keys this step sets, e.g. 'model=mlp1&weights=fixed:bits=8&inputBits=8&training=float'. */
  query: string;
  question: string;
  /** May use {float}, {quantized}, {delta}, {bits} and {energy}, filled from what the page measured. */
  answer: string;
}

export interface Lesson {
  /** The value of the URL key `lesson`. */
  id: string;
  title: string;
  /** The paper or seed the lesson follows, shown in small print. */
  source: string;
  steps: LessonStep[];
}
