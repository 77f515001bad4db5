import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** What broke, in words: "The editor", "This screen". */
  what: string;
  children: ReactNode;
}

/**
 * Keeps a failure in one part (a chunk that did not load, a document it cannot show) from blanking the whole
 * app: that part says what happened and offers a reload, and the rest stays usable. Edits are already saved
 * on this device, so reloading loses nothing.
 */
export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`${this.props.what} failed`, error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="failure" role="alert">
        <p>
          {this.props.what} stopped working: {this.state.error.message}
        </p>
        <p className="muted">Your edits are saved on this device. Reloading brings it back.</p>
        <button className="btn" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
