/**
 * What `backend=auto` measured, kept in localStorage per device and model (src/core/autoBackend.ts
 * builds the keys and reads the entries), and the last device seen, so the next visit starts on
 * the remembered backend before the worker has told us which device this is.
 */
import { memoryKey, readRemembered, type RememberedChoice } from '../core/autoBackend';
import type { ArchitectureConfig } from '../core/models';

const CHOICES_KEY = 'qp-auto-backend';
const DEVICE_KEY = 'qp-auto-backend-device';
/** More entries than any one person makes; the oldest go first. */
const MAX_ENTRIES = 50;

// localStorage can throw (disabled storage, private mode, sandboxed iframes): then nothing is remembered.
function read(): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(CHOICES_KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function rememberedChoice(device: string | null, config: ArchitectureConfig): RememberedChoice | null {
  return device === null ? null : readRemembered(read(), memoryKey(device, config));
}

export function rememberChoice(device: string, config: ArchitectureConfig, entry: RememberedChoice): void {
  const all = { ...read(), [memoryKey(device, config)]: entry };
  const keys = Object.keys(all);
  const time = (k: string) => ((all[k] as Partial<RememberedChoice> | null)?.measuredAt ?? 0);
  for (const k of keys.sort((a, b) => time(a) - time(b)).slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete all[k];
  try {
    localStorage.setItem(CHOICES_KEY, JSON.stringify(all));
  } catch {
    // Measured again on the next visit.
  }
}

export function lastDevice(): string | null {
  try {
    return localStorage.getItem(DEVICE_KEY);
  } catch {
    return null;
  }
}

export function rememberDevice(device: string): void {
  try {
    localStorage.setItem(DEVICE_KEY, device);
  } catch {
    // The next visit starts on the default until the worker names the device.
  }
}
