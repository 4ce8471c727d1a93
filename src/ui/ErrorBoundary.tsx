/**
 * Keeps a render error inside one panel. Without a boundary React unmounts the whole root on any
 * render error, and one bad stored record blanked the page on every reload.
 *
 * A class component because React has no hook for this: only getDerivedStateFromError and
 * componentDidCatch catch errors thrown while rendering the children.
 */
import { Component, Fragment, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** Which panel, for the log and for tests (data-panel). */
  name: string;
  children: ReactNode;
}

interface State {
  error: unknown;
  failed: boolean;
  /** Bumped by Reset: a new key re-mounts the children, dropping their broken state. */
  generation: number;
}

const MAX_REASON_CHARS = 300;

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, failed: false, generation: 0 };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error, failed: true };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(`Panel "${this.props.name}" failed:`, error, info.componentStack);
  }

  private reset = () => {
    this.setState((s) => ({ error: null, failed: false, generation: s.generation + 1 }));
  };

  render() {
    if (this.state.failed) {
      return (
        <div className="notice error panel-error" role="alert" data-testid="panel-error" data-panel={this.props.name}>
          <span>This panel failed: {reasonOf(this.state.error)}</span>
          <button onClick={this.reset} data-testid="panel-reset">
            Reset panel
          </button>
        </div>
      );
    }
    return <Fragment key={this.state.generation}>{this.props.children}</Fragment>;
  }
}
