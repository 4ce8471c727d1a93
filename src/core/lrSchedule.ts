/**
 * Learning-rate schedules, per epoch: the BinaryConnect and BinaryNet papers train with a learning
 * rate that decays each epoch; the rest of the playground's runs keep it constant.
 * In the URL: `lrSchedule=constant`, `lrSchedule=exp:0.9` (times 0.9 after each epoch) or
 * `lrSchedule=cosine` (half a cosine from lr down to 0 over the run).
 */
import { z } from 'zod';

export type LrSchedule = { kind: 'constant' } | { kind: 'exp'; decay: number } | { kind: 'cosine' };

export const LR_SCHEDULE_KINDS = ['constant', 'exp', 'cosine'] as const;

export const lrScheduleSchema: z.ZodType<LrSchedule> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant') }),
  /** Decay per epoch: 1 is constant, 0.5 halves the rate every epoch. */
  z.strictObject({ kind: z.literal('exp'), decay: z.number().gt(0).max(1) }),
  z.strictObject({ kind: z.literal('cosine') }),
]);

export const CONSTANT_LR: LrSchedule = { kind: 'constant' };

/**
 * The learning rate of epoch `epoch` (1 = the first) of `epochs`: exp multiplies by `decay` once
 * per finished epoch; cosine follows lr * (1 + cos(pi * (epoch - 1) / epochs)) / 2, so the first
 * epoch trains at lr and the last at a small but non-zero rate.
 */
export function learningRateAt(schedule: LrSchedule, lr: number, epoch: number, epochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'exp':
      return lr * schedule.decay ** (epoch - 1);
    case 'cosine':
      return (lr * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs))) / 2;
  }
}

export function encodeLrSchedule(schedule: LrSchedule): string {
  return schedule.kind === 'exp' ? `exp:${String(schedule.decay)}` : schedule.kind;
}

/** `exp:0.9` -> { kind: 'exp', decay: 0.9 }; anything else is passed on for the schema to refuse. */
export function decodeLrSchedule(text: string, parseNumber: (text: string) => number | null): unknown {
  const t = text.trim();
  if (t === 'constant' || t === 'cosine') return { kind: t };
  if (t.startsWith('exp:')) return { kind: 'exp', decay: parseNumber(t.slice(4)) ?? t.slice(4) };
  if (t === 'exp') return { kind: 'exp' };
  return { kind: t };
}

/** "constant", "x0.9 per epoch", "cosine". */
export function describeLrSchedule(schedule: LrSchedule): string {
  return schedule.kind === 'exp' ? `x${schedule.decay} per epoch` : schedule.kind;
}
