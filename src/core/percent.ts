/** Accuracy (0..1) as percent text: one definition for the page, the CLI and the core's tables. */

/** 0.9843 -> "98.43" (no sign: for numbers set beside a separate "%"). */
export const percentDigits = (accuracy: number, digits = 2): string => (accuracy * 100).toFixed(digits);

/** 0.9843 -> "98.43%"; null -> "n/a". */
export const percent = (accuracy: number | null, digits = 2): string => (accuracy === null ? 'n/a' : `${percentDigits(accuracy, digits)}%`);
