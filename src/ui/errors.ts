/**
 * Errors in words a user understands: one short line to show, and the technical text kept for a
 * "details" disclosure. TF.js, WebGPU and the browser speak in their own terms ("Failed to execute
 * 'mapAsync'", "Kernel 'Conv2DBackpropFilter' not registered"); a student needs what happened and
 * what to do.
 */

export interface ExplainedError {
  summary: string;
  details: string;
  /** Set while the page moves to another backend; the new backend's name is added when known. */
  pendingBackend?: boolean;
}

/** What the page was doing when the error came. */
export type ErrorContext = 'start' | 'train' | 'evaluate';

/** At most this many characters of a message reach the one-line summary. */
const SUMMARY_MAX = 160;

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > SUMMARY_MAX ? `${line.slice(0, SUMMARY_MAX - 1)}…` : line;
}

/** The text as a sentence: ends in a full stop unless it already ends in punctuation. */
function sentence(text: string): string {
  return /[.!?…:]$/.test(text) ? text : `${text}.`;
}

function rawText(error: unknown): string {
  if (error instanceof Error) return error.stack && !error.stack.startsWith(error.message) ? `${error.name}: ${error.message}\n${error.stack}` : error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const BACKEND_NAMES: Record<string, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

export function explainError(error: unknown, context: ErrorContext): ExplainedError {
  const message = messageOf(error);
  const details = rawText(error);
  const again = context === 'evaluate' ? '' : ' Press Train to try again.';
  const missingKernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(message);
  if (missingKernel) {
    const backend = BACKEND_NAMES[missingKernel[2]] ?? missingKernel[2];
    return { summary: `The ${backend} backend cannot run this model (it lacks the ${missingKernel[1]} operation): choose another backend.`, details };
  }
  if (/mapAsync|device (was |is )?(lost|destroyed)|GPUDevice|Device is lost|Instance dropped/i.test(message)) {
    return { summary: `The GPU stopped working (its device was lost).${again}`, details };
  }
  if (/out of memory|Array buffer allocation failed|allocation failed|Failed to allocate|memory access out of bounds/i.test(message)) {
    return { summary: `The browser ran out of memory: try a smaller model or fewer training images.${again}`, details };
  }
  if (context === 'start') {
    const what = /backend/i.test(message) ? 'No compute backend could start' : 'The MNIST data could not be loaded';
    return { summary: `${what}: ${sentence(firstLine(message))}${again}`, details };
  }
  if (context === 'evaluate') return { summary: `Re-testing the model failed: ${sentence(firstLine(message))}`, details };
  return { summary: `Training failed: ${sentence(firstLine(message))}${again}`, details };
}

