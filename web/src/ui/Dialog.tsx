// A modal dialog: labelled, focus moved in and kept in, Escape closes, focus returns.
import { useEffect, useId, useRef, type ReactNode } from 'react';

type Props = { title: string; onClose: () => void; children: ReactNode; description?: string; className?: string; hideTitle?: boolean };

/**
 * Back to the opener; if it was re-rendered meanwhile (a board card moved to another column),
 * to the element that now has its id; if there was none (the palette opened from the page), to
 * the content.
 */
export function returnFocus(opener: Element | null): void {
  const target = opener?.isConnected ? opener : opener?.id ? document.getElementById(opener.id) : null;
  const usable = target instanceof HTMLElement && target !== document.body ? target : document.getElementById('main');
  usable?.focus({ preventScroll: true });
}

export function Dialog({ title, onClose, children, description, className = 'dialog', hideTitle = false }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const descId = useId();
  // The opener, read while rendering: under StrictMode the effect runs twice, and by the second
  // run the focus is already inside the dialog (closing then left it on <body>).
  const opener = useRef<Element | null | undefined>(undefined);
  if (opener.current === undefined) opener.current = document.activeElement;
  useEffect(() => {
    const node = ref.current;
    const first = node?.querySelector<HTMLElement>('[autofocus], input, textarea, select, button');
    (first ?? node)?.focus();
    return () => returnFocus(opener.current ?? null);
  }, []);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const focusable = [...ref.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input, textarea, select, [tabindex="0"]')];
    if (focusable.length === 0) return;
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={ref} role="dialog" aria-modal="true" aria-labelledby={titleId} aria-describedby={description ? descId : undefined} className={`glass ${className}`} tabIndex={-1} onKeyDown={onKeyDown}>
        <h2 id={titleId} className={hideTitle ? 'sr-only' : undefined}>{title}</h2>
        {description && <p id={descId} className="muted">{description}</p>}
        {children}
      </div>
    </div>
  );
}
