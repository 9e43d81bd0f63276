// No blank screens: a render error shows a message and a way back, not an empty page.
import { Component, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

function Fallback({ onReset }: { onReset: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="glass panel" role="alert">
      <h2>{t('boundary.title')}</h2>
      <p className="muted">{t('boundary.body')}</p>
      <div className="row">
        <button type="button" className="btn-primary" onClick={onReset}>{t('common.retry')}</button>
        <a className="btn" href="/">{t('boundary.home')}</a>
      </div>
    </div>
  );
}

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, { failed: boolean; key?: string }> {
  override state: { failed: boolean; key?: string } = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  static getDerivedStateFromProps(props: { resetKey?: string }, state: { failed: boolean; key?: string }) {
    return props.resetKey !== state.key ? { failed: false, key: props.resetKey } : null;
  }
  override componentDidCatch(error: unknown): void {
    console.warn('atrium: a screen failed to render', error);
  }
  override render() {
    return this.state.failed ? <Fallback onReset={() => this.setState({ failed: false })} /> : this.props.children;
  }
}
