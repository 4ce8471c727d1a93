import { describe, expect, it } from 'vitest';
import { applyQuery, CLASSROOM_KEYS, CONFIG_KEYS, decodeConfig, defaultConfig, type Config } from '../../src/core/config';
import { fillPlaceholders, LESSON_IDS, LESSON_PLACEHOLDERS, LESSONS, lessonById, placeholdersIn } from '../../src/lessons';

describe('lessons', () => {
  it('have unique ids that the URL key lesson accepts', () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(5);
    expect(new Set(LESSON_IDS).size).toBe(LESSONS.length);
    for (const lesson of LESSONS) {
      expect(lessonById(lesson.id)).toBe(lesson);
      const { config, notices } = decodeConfig(`lesson=${lesson.id}`);
      expect(notices).toEqual([]);
      expect(config.lesson).toBe(lesson.id);
    }
    expect(lessonById('nope')).toBeUndefined();
    expect(lessonById(null)).toBeUndefined();
  });

  for (const lesson of LESSONS) {
    describe(lesson.id, () => {
      it('has 3 to 6 steps with a title, text, question and answer', () => {
        expect(lesson.title).not.toBe('');
        expect(lesson.source).not.toBe('');
        expect(lesson.steps.length).toBeGreaterThanOrEqual(3);
        expect(lesson.steps.length).toBeLessThanOrEqual(6);
        for (const step of lesson.steps) {
          for (const text of [step.title, step.text, step.question, step.answer]) expect(text.trim()).not.toBe('');
        }
        expect(lesson.steps[0].text).toMatch(/press Train/i);
      });

      it('sets only known URL keys, each valid, never the classroom keys', () => {
        lesson.steps.forEach((step, i) => {
          const { notices } = applyQuery(defaultConfig(), step.query);
          expect(notices, `step ${i + 1}: ${step.query}`).toEqual([]);
          const keys = [...new URLSearchParams(step.query).keys()];
          expect(keys.length).toBeGreaterThan(0);
          for (const key of keys) {
            expect(CONFIG_KEYS as string[]).toContain(key);
            expect(CLASSROOM_KEYS as readonly string[]).not.toContain(key);
          }
        });
      });

      it('starts from a named network and training mode, and stays on one network', () => {
        const first = new URLSearchParams(lesson.steps[0].query);
        expect(first.has('model')).toBe(true);
        expect(first.has('training')).toBe(true);
        // The kept model is only re-tested (PTQ) while the network stays the same.
        let config: Config = { ...defaultConfig(), model: 'lenet' };
        const models = lesson.steps.map((step) => {
          config = applyQuery(config, step.query).config;
          return config.model;
        });
        expect(new Set(models).size).toBe(1);
      });

      it('uses only known placeholders', () => {
        for (const step of lesson.steps) {
          for (const text of [step.answer, step.question, step.text, step.title]) {
            for (const name of placeholdersIn(text)) expect(LESSON_PLACEHOLDERS as readonly string[]).toContain(name);
          }
          // Only answers are filled from the page.
          expect(placeholdersIn(step.text + step.question + step.title)).toEqual([]);
        }
      });
    });
  }

  it('fills placeholders and leaves unknown ones as written', () => {
    const values = { float: '97.50%', quantized: '12.60%', delta: '−84.90 pp', bits: '4', energy: '51.2 nJ' };
    expect(fillPlaceholders('{float} → {quantized} ({delta}), {bits} bits, {energy}; {colour}', values)).toBe('97.50% → 12.60% (−84.90 pp), 4 bits, 51.2 nJ; {colour}');
  });
});
