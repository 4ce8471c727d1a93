/**
 * What went wrong and what the page did about it: one line each, with the technical text behind
 * "details" (a lecturer reads the line; an engineer opens the details).
 */
import { useStore } from './store';

/** A recovery the page made by itself (a worker restarted, a lost GPU left behind). */
export function RecoveryNotice() {
  const recovery = useStore((s) => s.recovery);
  const dismiss = useStore((s) => s.dismissRecovery);
  if (!recovery) return null;
  return (
    <div className="notice recovery" data-testid="recovery-notice" role="status">
      <span>{recovery.summary}</span>
      <details>
        <summary>details</summary>
        <pre>{recovery.details}</pre>
      </details>
      <button className="link" onClick={dismiss} aria-label="Dismiss this message">
        ✕
      </button>
    </div>
  );
}

/** The technical text behind the status line's error. */
export function ErrorDetails() {
  const phase = useStore((s) => s.phase);
  const details = useStore((s) => s.errorDetails);
  if (phase !== 'error' || !details) return null;
  return (
    <details className="error-details" data-testid="error-details">
      <summary>details</summary>
      <pre>{details}</pre>
    </details>
  );
}
