/**
 * A drop zone with a file picker beside it: the files go to `onFiles` as File objects (the worker
 * reads them as streams; nothing is read here).
 */
import { useId, useRef, useState, type DragEvent } from 'react';

export function DropZone({ onFiles, disabled, children }: { onFiles: (files: File[]) => void; disabled?: boolean; children: React.ReactNode }) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const take = (list: FileList | null) => {
    const files = list ? Array.from(list) : [];
    if (files.length > 0 && !disabled) onFiles(files);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    take(event.dataTransfer.files);
  };
  return (
    <div
      className={`data-dropzone${over ? ' over' : ''}`}
      data-testid="data-dropzone"
      onDragOver={(event) => {
        // Without preventDefault the browser opens the dropped file instead of handing it to us.
        event.preventDefault();
        if (!disabled) setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      {children}
      <label className="data-pick" htmlFor={inputId}>
        <input
          id={inputId}
          ref={input}
          type="file"
          multiple
          disabled={disabled}
          data-testid="data-file-input"
          onChange={(event) => {
            take(event.target.files);
            // The same files picked again (after a fix) must fire change again.
            event.target.value = '';
          }}
        />
        <span className="data-pick-button">Choose files…</span>
      </label>
    </div>
  );
}
