import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { resetWorker, useStore, workerMemory } from './store';
// Records every finished run and PTQ evaluation, and loads the stored ones (IndexedDB).
import { useRecords } from './records/recordsStore';
import { useSweep } from './sweep/sweepStore';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A small hook for tests and the curious: the worker's tensor count, and freeing the kept model.
Object.assign(window, { __playground: { workerMemory, resetWorker, store: useStore, records: useRecords, sweep: useSweep } });
