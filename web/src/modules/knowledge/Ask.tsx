// Ask a notebook: a question box (Enter asks, Shift+Enter a new line) and the answer, each
// sentence with numbered citation chips; "the sources do not say" when they do not, and an
// honest note when the answer is quoted from the sources without a language model.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLng } from '../../i18n';
import { ErrorText } from '../../ui/feedback';
import { knowledge, type Answer, type NotebookDetail } from './api';
import { ClaimText, citationNumbers } from './Citations';

export function AskTab({ nb }: { nb: NotebookDetail }) {
  const { t } = useTranslation();
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    const q = question.trim();
    if (!q || busy) return;
    setBusy(true); setError(null);
    try { setAnswer(await knowledge.ask(nb.id, q, currentLng())); } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const numbers = citationNumbers(answer?.sentences ?? []);
  return (
    <>
      {nb.parsed === 0 && <p className="muted">{t('knowledge.ask.noParsed')}</p>}
      <form className="glass panel form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <div className="field">
          <label htmlFor="kn-question">{t('knowledge.ask.label')}</label>
          <textarea id="kn-question" rows={3} maxLength={2000} value={question} aria-describedby="kn-q-hint" onChange={(e) => setQuestion(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) { e.preventDefault(); void submit(); } }} />
          <span id="kn-q-hint" className="hint">{t('knowledge.ask.hint')}</span>
        </div>
        <div><button type="submit" className="btn-primary" disabled={busy || !question.trim()}>{t('knowledge.ask.submit')}</button></div>
      </form>
      <ErrorText error={error} />
      <div aria-live="polite" className="stack">
        {busy && <p className="muted" role="status">{t('knowledge.ask.asking')}</p>}
        {answer && !busy && (
          <section className="glass panel stack" aria-labelledby="kn-answer" data-testid="answer">
            <h2 id="kn-answer" className="kn-h2">{answer.question}</h2>
            {!answer.answered ? <p data-testid="not-said">{t('knowledge.ask.notSaid')}</p> : (
              <p className="kn-answer">
                {answer.sentences.map((s, i) => (
                  <span key={i} className={s.grounded ? undefined : 'kn-ungrounded'} title={s.grounded ? undefined : t('knowledge.ask.ungrounded')}>
                    <ClaimText claim={s} notebookId={nb.id} numbers={numbers} />{' '}
                  </span>
                ))}
              </p>
            )}
            {answer.mode === 'extractive' && answer.answered && <p className="muted small" data-testid="extractive-note">{t('knowledge.ask.extractive')}</p>}
          </section>
        )}
      </div>
    </>
  );
}
