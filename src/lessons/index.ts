/** The lesson registry: the URL key `lesson` takes one of these ids. */
import { bitsLesson } from './01-bits';
import { floatsLesson } from './02-floats';
import { shiftsLesson } from './03-shifts';
import { binaryLesson } from './04-binary';
import { paretoLesson } from './05-pareto';
import { LESSON_PLACEHOLDERS, type Lesson, type LessonPlaceholder } from './types';

export type { Lesson, LessonPlaceholder, LessonStep } from './types';
export { LESSON_PLACEHOLDERS };

export const LESSONS: readonly Lesson[] = [bitsLesson, floatsLesson, shiftsLesson, binaryLesson, paretoLesson];

/** Ids in order; a tuple so the config schema can use it as an enum. */
export const LESSON_IDS = LESSONS.map((l) => l.id) as [string, ...string[]];

export function lessonById(id: string | null | undefined): Lesson | undefined {
  return id ? LESSONS.find((l) => l.id === id) : undefined;
}

/** The {name} placeholders a text uses, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
}

/** Fills {name} placeholders; unknown names are left as written so a typo shows. */
export function fillPlaceholders(text: string, values: Record<LessonPlaceholder, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => ((LESSON_PLACEHOLDERS as readonly string[]).includes(name) ? values[name as LessonPlaceholder] : whole));
}
