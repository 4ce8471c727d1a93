/**
 * The data knob in the run bar: MNIST (built in), Fashion-MNIST, any IDX set or CIFAR-10 from the
 * user's files. A card under it asks for the files (drop zone and picker, saying exactly which)
 * while the set is missing, and on demand says what is loaded, how long it took, and forgets it.
 * A card rather than a band, so the lecturer's screen keeps its 1280x800 layout.
 */
import { useEffect, useRef, useState } from 'react';
import { DATASET_NAMES, DATASETS, type DatasetName } from '../../core/datasets/kinds';
import { FIELD_HELP } from '../../core/config';
import { Field } from '../Knobs';
import { useStore } from '../store';
import { dataChoice } from './dataModels';
import { expectedFiles, forgetData, loadFiles, useData } from './dataStore';
import { DropZone } from './DropZone';

const OPTION_LABELS: Record<DatasetName, string> = {
  mnist: 'MNIST',
  fashion: 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
  idx: 'IDX set (your files)',
};

const count = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

export function DataKnob({ disabled }: { disabled?: boolean }) {
  const data = useStore((s) => s.config.data);
  const phase = useStore((s) => s.phase);
  const { status, error, kind } = useData();
  const [open, setOpen] = useState(false);
  const about = kind === data;
  const needsFiles = data !== 'mnist' && about && (status === 'missing' || status === 'loading' || error !== null);
  // A newly missing set, or a failure, shows the card again even after it was closed.
  useEffect(() => {
    if (needsFiles) setOpen(true);
  }, [needsFiles, data]);
  // A popover: Train, a click elsewhere or Escape puts it away, so it never hides the views under it.
  const training = phase === 'training' || phase === 'paused';
  useEffect(() => {
    if (training) setOpen(false);
  }, [training]);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (event: Event) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    document.addEventListener('keydown', away);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('keydown', away);
    };
  }, [open]);
  const choose = (next: DatasetName) => useStore.getState().setKnobs(dataChoice(useStore.getState().config, next));
  const badge = data === 'mnist' ? null : !about || status === 'checking' ? '…' : status === 'ready' ? '✓' : status === 'loading' ? '…' : '!';
  return (
    <div className="data-knob" ref={root}>
      <Field label="Data" help={FIELD_HELP.data}>
        <span className="data-knob-row">
          <select data-testid="knob-data" value={data} disabled={disabled} onChange={(e) => choose(e.target.value as DatasetName)}>
            {DATASET_NAMES.map((name) => (
              <option key={name} value={name}>
                {OPTION_LABELS[name]}
              </option>
            ))}
          </select>
          {data !== 'mnist' && (
            <button
              type="button"
              className={`data-toggle ${status}`}
              data-testid="data-toggle"
              aria-expanded={open}
              aria-controls="data-card"
              aria-label={`${DATASETS[data].label} files`}
              title={status === 'ready' ? `${DATASETS[data].label} is loaded: details, other files, forget` : `${DATASETS[data].label}: drop its files`}
              onClick={() => setOpen(!open)}
            >
              {badge}
            </button>
          )}
        </span>
      </Field>
      {data !== 'mnist' && open && <DataCard data={data} starting={phase === 'starting' || phase === 'loading'} onClose={() => setOpen(false)} />}
    </div>
  );
}

function DataCard({ data, starting, onClose }: { data: Exclude<DatasetName, 'mnist'>; starting: boolean; onClose: () => void }) {
  const { status, summary, error, loadingFiles, pageMs, kind } = useData();
  const about = kind === data;
  const label = DATASETS[data].label;
  const loading = about && status === 'loading';
  return (
    <section id="data-card" className="data-card" data-testid="data-card" aria-label={`${label} files`}>
      <header className="data-card-head">
        <h2>{label}</h2>
        <button type="button" className="link" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {about && status === 'ready' && summary ? (
        <div data-testid="data-summary" className="data-summary">
          <p>
            <strong data-testid="data-counts">
              {count(summary.trainCount)} training and {count(summary.testCount)} test images
            </strong>
            , {summary.shape.height}x{summary.shape.width}
            {summary.shape.channels === 3 ? ' colour' : ' grey'}, classes {summary.classNames.slice(0, 3).join(', ')}…
          </p>
          <p className="muted small" data-testid="data-load-time" data-ms={summary.loadMs} data-page-ms={pageMs ?? undefined}>
            {summary.source === 'files'
              ? `Parsed from ${summary.files.length} file${summary.files.length === 1 ? '' : 's'} in ${seconds(summary.loadMs)}${summary.storeMs !== null ? `, stored in ${seconds(summary.storeMs)}` : ''}${pageMs !== null ? ` (${seconds(pageMs)} in all)` : ''}.`
              : summary.source === 'stored'
                ? `Read back from this browser in ${seconds(summary.loadMs)}${pageMs !== null ? ` (${seconds(pageMs)} in all)` : ''}.`
                : 'Already loaded.'}{' '}
            {summary.stored ? 'Kept in this browser (IndexedDB): a reload or a link with data=' + data + ' needs no files.' : `Not kept in this browser (${summary.storeError ?? 'not stored'}): a reload asks for the files again.`}
          </p>
          {summary.notes.length > 1 && <p className="muted small">{summary.notes.slice(1).join(' ')}</p>}
        </div>
      ) : (
        <p className="data-ask" data-testid="data-missing">
          {about && status === 'checking' ? `Looking for ${label} kept in this browser…` : `${label} is not in this browser yet. Drop ${expectedFiles(data)}.`}
        </p>
      )}
      {error && about && (
        <p className="data-error" role="alert" data-testid="data-error">
          {error}
          {status === 'ready' ? ' The loaded set is still in use.' : ''}
        </p>
      )}
      <DropZone onFiles={(files) => void loadFiles(files)} disabled={loading}>
        <span className="data-drop-text" data-testid="data-status">
          {loading
            ? `Reading ${loadingFiles.join(', ')}…`
            : starting
              ? 'Drop the files here (they are read once the page has started)'
              : status === 'ready' && about
                ? 'Drop other files here to replace them'
                : 'Drop the files here'}
        </span>
      </DropZone>
      {about && status === 'ready' && (
        <button type="button" className="data-forget" data-testid="data-forget" onClick={() => void forgetData()}>
          Forget data
        </button>
      )}
    </section>
  );
}
