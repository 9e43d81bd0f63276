// Loading, error and toast feedback. Errors are always a translated sentence from the code.
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../lib/errors';

export function Loading() {
  const { t } = useTranslation();
  return <p className="muted" role="status">{t('common.loading')}</p>;
}

export function ErrorText({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <div className="alert" role="alert">
      {errorMessage(error, t)}
      {onRetry && (
        <>
          {' '}
          <button type="button" className="btn-sm" onClick={onRetry}>{t('common.retry')}</button>
        </>
      )}
    </div>
  );
}

type Toast = { id: number; text: string; kind: 'info' | 'error' };
const ToastCtx = createContext<(text: string, kind?: Toast['kind']) => void>(() => {});
export const useToast = () => useContext(ToastCtx);

let seq = 0;
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((text: string, kind: Toast['kind'] = 'info') => {
    const id = ++seq;
    setToasts((ts) => [...ts.slice(-3), { id, text, kind }]);
    setTimeout(() => setToasts((ts) => ts.filter((x) => x.id !== id)), 5000);
  }, []);
  return (
    <ToastCtx.Provider value={push}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((x) => (
          <div key={x.id} className={`toast glass ${x.kind}`}>{x.text}</div>
        ))}
      </div>
    </ToastCtx.Provider>
  );
}

/** Wraps an action: errors become a translated toast. */
export function useAction() {
  const toast = useToast();
  const { t } = useTranslation();
  return useCallback(
    async <T,>(fn: () => Promise<T>, done?: string): Promise<T | undefined> => {
      try {
        const out = await fn();
        if (done) toast(done);
        return out;
      } catch (err) {
        toast(errorMessage(err, t), 'error');
        return undefined;
      }
    },
    [toast, t],
  );
}
