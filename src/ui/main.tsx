import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
// Loading the controller binds the store's intents and starts the worker.
import { crashWorker, injectFault, resetWorker, workerMemory } from './controller';
import { useStore } from './store';
// Loads the stored run records (IndexedDB).
import { useRecords } from './records/recordsStore';
import { useSweep } from './sweep/sweepStore';
import { quantizeWeights } from '../core/quant/schemes';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// A small hook for tests and the curious: the worker's tensor count, freeing the kept model, the
// faults the recovery tests inject, and the weight quantizer (checked against the browser's own
// Math.f16round).
Object.assign(window, {
  __playground: { workerMemory, resetWorker, crashWorker, injectFault, store: useStore, records: useRecords, sweep: useSweep, quantizeWeights },
});
