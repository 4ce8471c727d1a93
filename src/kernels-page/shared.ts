/**
 * The kernels page's common parts: TF.js on its WebGPU backend (whose device the kernels share),
 * the result types the page writes to `window.__kernelResults`, and small DOM helpers.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core ships without gradients (the model suite trains); register them, as the worker does.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import type { KernelRunReport } from '../gpu/pipeline';
import type { BenchCase } from './benchCases';

export type { BenchCase };

// ---------------------------------------------------------------------------------------------
// Results

export interface ExactCase {
  kind: 'dense' | 'mlp';
  name: string;
  format: string;
  batch: number;
  inputs: number;
  units: number;
  /** 'logits' | 'requant' | 'sign' for dense cases; the layer widths for MLP cases. */
  output: string;
  inputBits: number;
  outputsPerThread: number;
  bitExact: boolean;
  /** Output words compared. */
  words: number;
  mismatches: number;
  /** Where the first mismatch is, '' when none. */
  firstMismatch: string;
  ms: number;
}

export interface ExactSummary {
  suite: 'exact';
  adapter: string;
  total: number;
  passed: number;
  failed: number;
  /** Shapes "BxIxU" run, in order. */
  shapes: string[];
  formats: string[];
  cases: ExactCase[];
  uncapturedErrors: string[];
  ms: number;
}

export interface BenchSummary {
  suite: 'bench';
  adapter: string;
  /** The device's read bandwidth, GB/s (measureReadBandwidth). */
  readGBps: number;
  cases: BenchCase[];
  uncapturedErrors: string[];
  ms: number;
}

export interface ModelSummary {
  suite: 'model';
  adapter: string;
  /** The config trained (runConfig). */
  config: Record<string, unknown>;
  trainMs: number;
  /** runConfig's quantized (QAT) test accuracy. */
  qatAccuracy: number | null;
  report: KernelRunReport;
  /** Tensors left after the network was disposed, compared with before training. */
  tensorsAtStart: number;
  tensorsAtEnd: number;
  uncapturedErrors: string[];
  ms: number;
}

export interface FailedSummary {
  suite: string;
  error: string;
  uncapturedErrors: string[];
}

export type KernelResults = ExactSummary | BenchSummary | ModelSummary | FailedSummary;

declare global {
  interface Window {
    /** Set once, when a suite has finished (or failed: then it has `error`). */
    __kernelResults?: KernelResults;
    /** Bench cases so far, while the bench runs. */
    __kernelProgress?: unknown[];
  }
}

// ---------------------------------------------------------------------------------------------
// Device

export interface PageDevice {
  device: GPUDevice;
  adapter: string;
  /** Errors WebGPU reported outside any error scope (should stay empty). */
  uncapturedErrors: string[];
}

/** TF.js on its WebGPU backend; the kernels use TF.js's own GPUDevice. */
export async function initTfWebGpu(): Promise<PageDevice> {
  const gpu = navigator.gpu;
  if (!gpu) throw new Error('navigator.gpu is missing: this browser has no WebGPU, or the page is not a secure context (use http://localhost)');
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (error) {
    throw new Error(`TF.js's webgpu backend failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!ok) throw new Error("TF.js's webgpu backend failed to start");
  await tf.ready();
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (!device) throw new Error("TF.js's webgpu backend exposes no device");
  // A label for the adapter TF.js picked (same request TF.js makes).
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  const info = (adapter as unknown as { info?: { vendor?: string; architecture?: string; description?: string } } | null)?.info;
  const label = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  const uncapturedErrors: string[] = [];
  device.addEventListener('uncapturederror', (event) => {
    const text = (event as GPUUncapturedErrorEvent).error.message;
    uncapturedErrors.push(text);
    console.error('[kernels] uncaptured WebGPU error:', text);
  });
  const features = device.features.has('timestamp-query') ? ', timestamp-query' : '';
  return { device, adapter: `${label} (tfjs-backend-webgpu device${features})`, uncapturedErrors };
}

// ---------------------------------------------------------------------------------------------
// DOM

export function setStatus(text: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

export function output(): HTMLElement {
  return document.getElementById('output') as HTMLElement;
}

export function heading(text: string): void {
  const h = document.createElement('h2');
  h.textContent = text;
  output().append(h);
}

export function paragraph(text: string, className?: string): HTMLElement {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  output().append(p);
  return p;
}

export function preformatted(text: string): void {
  const pre = document.createElement('pre');
  pre.textContent = text;
  output().append(pre);
}

export type Cell = string | number | boolean | null;

function cellText(value: Cell): string {
  if (value === null) return '-';
  if (typeof value === 'boolean') return value ? 'yes' : 'NO';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4);
  return value;
}

/** A table whose rows can be appended later (bench results arrive one by one). */
export function table(columns: string[], testId?: string): { add(row: Cell[]): void } {
  const t = document.createElement('table');
  if (testId) t.dataset.testid = testId;
  const head = t.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.textContent = c;
    head.append(th);
  }
  const body = t.createTBody();
  output().append(t);
  return {
    add(row) {
      const tr = body.insertRow();
      row.forEach((value) => {
        const td = tr.insertCell();
        td.textContent = cellText(value);
        if (typeof value === 'string') td.className = 'text';
        if (typeof value === 'boolean') td.className = value ? 'ok' : 'bad';
      });
    },
  };
}

/** Lets the page paint between long steps. */
export const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
