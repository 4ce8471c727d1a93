/** The kept model on the hand-written WGSL kernels: accuracy beside TF.js, packed bytes, per-layer time. */
import { controller } from '../controller';
import { useStore } from '../store';
import { useKernelRun } from './kernelStore';

import { percentDigits as pct } from '../../core/percent';
const bytes = (n: number) => n.toLocaleString('en-US');

export function KernelPanel() {
  const modelKept = useStore((s) => s.modelKept);
  const phase = useStore((s) => s.phase);
  const backend = useStore((s) => s.backend?.name);
  const { status, report, error, phase: step, fraction } = useKernelRun();
  if (!modelKept) return null;
  const busy = status === 'running';
  return (
    <section className="panel" data-testid="kernel-panel">
      <h2>Integer WGSL kernels</h2>
      <p className="muted small">
        Runs the trained model with shifts and adds (LightNN), integer multiply-accumulates (fixed point), add/subtract
        (BinaryConnect) or XNOR-popcount (BinaryNet) on WebGPU{backend === 'webgpu' ? ", on TF.js's own device" : ''}, and compares each
        prediction with TF.js's fake-quantized evaluation of the same model.
      </p>
      <div className="buttons">
        <button data-testid="run-kernels" disabled={busy || phase === 'training' || phase === 'paused'} onClick={() => void controller.runKernels()}>
          Run on WebGPU kernels
        </button>
        <span className="muted" data-testid="kernel-status">
          {busy ? `running${step ? `: ${step} ${Math.round(fraction * 100)}%` : '…'}` : status === 'done' ? 'done' : status === 'error' ? 'error' : ''}
        </span>
      </div>
      {status === 'error' && error && (
        <p className="notice error" data-testid="kernel-error">
          {error}
        </p>
      )}
      {report && (
        <div data-testid="kernel-report">
          <p className="big-line">
            Kernels <strong data-testid="kernel-accuracy">{pct(report.intAccuracy)}</strong>% · TF.js{' '}
            <strong data-testid="kernel-tf-accuracy">{pct(report.tfAccuracy)}</strong>% · same prediction on{' '}
            <strong data-testid="kernel-agreement">{pct(report.agreement)}</strong>% of {report.testCount.toLocaleString('en-US')} images
          </p>
          <p>
            Packed weights on the GPU: <strong data-testid="kernel-packed-bytes">{bytes(report.totalPackedBytes)}</strong> B (the storage model
            counts <span data-testid="kernel-storage-bytes">{bytes(report.totalStorageModelBytes)}</span> B)
          </p>
          {/* Shift amounts, accumulator units and timings are for whoever checks the kernels, not for the class. */}
          <details data-testid="kernel-details">
            <summary>Details</summary>
            <p className="small">
              Whole test subset {report.fullPassMs.toFixed(1)} ms ({(report.fullPassMsPerImage * 1000).toFixed(1)} µs per image) · timing by{' '}
              {report.timingMethod}
            </p>
            <table className="kernel-layers" data-testid="kernel-layers">
              <thead>
                <tr>
                  <th>layer</th>
                  <th>format</th>
                  <th>output</th>
                  <th>packed B</th>
                  <th>storage model B</th>
                  {report.layers[0]?.timings.map((t) => (
                    <th key={t.batch}>µs / image (batch {t.batch})</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {report.layers.map((l) => (
                  <tr key={l.name} data-testid="kernel-layer-row">
                    <td>{l.name}</td>
                    <td>{l.format}</td>
                    <td>{l.output}</td>
                    <td>{bytes(l.packedBytes)}</td>
                    <td>{bytes(l.storageModelBytes)}</td>
                    {l.timings.map((t) => (
                      <td key={t.batch} data-testid="kernel-layer-time">
                        {(t.msPerImage * 1000).toFixed(1)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
            {report.notes.length > 0 && (
              <ul className="small">
                {report.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            )}
          </details>
        </div>
      )}
    </section>
  );
}
