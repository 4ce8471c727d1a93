/** How many configurations were evaluated, where they are kept, and their export. */
import { energyTableOf } from '../../core/config';
import { costOf, recordConfig, recordsToCsv, recordsToJson, type Cost, type RunRecord } from '../../core/runRecord';
import { useFields } from '../common/useFields';
import { downloadText } from '../download';
import { useRecords } from '../records/recordsStore';
import { useStore } from '../store';

export function RecordsBar() {
  const { records, persistence, persistenceNote: note, clearing, skipped, clear } = useFields(useRecords, 'records', 'persistence', 'persistenceNote', 'clearing', 'skipped', 'clear');
  const stamp = () => new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  /** Costs under the table the page shows now (the JSON carries that table). */
  const costed = (): RunRecord[] => {
    const table = energyTableOf(useStore.getState().config);
    // Decoding a config takes ~0.2 ms: once per distinct config, not once per record.
    const byConfig = new Map<string, Cost>();
    return records.map((r) => {
      let cost = byConfig.get(r.config);
      if (!cost) {
        cost = costOf(recordConfig(r), table);
        byConfig.set(r.config, cost);
      }
      return { ...r, ...cost };
    });
  };
  return (
    <div className="records-bar">
      <span>
        <strong data-testid="records-count">{records.length}</strong> evaluated configuration{records.length === 1 ? '' : 's'}{' '}
        <span className="muted small" data-testid="records-persistence" title={note ?? undefined}>
          ({clearing ? 'clearing the browser store…' : persistence === 'indexeddb' ? 'kept in this browser (IndexedDB)' : persistence === 'loading' ? 'opening the browser store…' : `this tab only: ${note ?? 'no IndexedDB'}`})
        </span>
        {skipped > 0 && (
          <span className="muted small" data-testid="records-skipped">
            {' '}
            · {skipped.toLocaleString('en-US')} stored record{skipped === 1 ? ' could not be read and was' : 's could not be read and were'} skipped
          </span>
        )}
      </span>
      <span className="spacer" />
      <button data-testid="records-export-csv" disabled={records.length === 0} onClick={() => downloadText(recordsToCsv(costed()), `runs-${stamp()}.csv`, 'text/csv')}>
        Export CSV
      </button>
      <button
        data-testid="records-export-json"
        disabled={records.length === 0}
        onClick={() => downloadText(recordsToJson(costed(), energyTableOf(useStore.getState().config)), `runs-${stamp()}.json`, 'application/json')}
      >
        Export JSON
      </button>
      <button data-testid="records-clear" disabled={records.length === 0} onClick={() => void clear()}>
        Clear
      </button>
    </div>
  );
}
