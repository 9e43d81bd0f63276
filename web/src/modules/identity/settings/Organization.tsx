import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { fmtDateTime } from '../../../lib/format';
import { useQuery } from '../../../lib/query';
import { ErrorText, Loading, useToast } from '../../../ui/feedback';
import { useStepUp } from '../../../ui/StepUp';

export function Organization() {
  const { t, i18n } = useTranslation();
  const { can, me, refresh } = useSession();
  const toast = useToast();
  const stepUp = useStepUp();
  const q = useQuery(() => api.tenant.get(), []);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (q.data) setName(q.data.name);
  }, [q.data]);
  if (!q.data) return q.error ? <ErrorText error={q.error} /> : <Loading />;

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await stepUp.run(() => api.tenant.update({ name: name.trim() }));
      toast(t('common.saved'));
      await Promise.all([q.reload(), refresh()]);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form className="glass panel form" onSubmit={save} style={{ maxWidth: 560 }}>
      <h2>{t('settings.tab.organization')}</h2>
      <div className="field">
        <label htmlFor="org-name">{t('fields.organization')}</label>
        <input id="org-name" value={name} onChange={(e) => setName(e.target.value)} disabled={!can('admin')} required maxLength={120} />
      </div>
      <p className="muted small">
        {t('settings.plan', { plan: q.data.plan })} · {t('settings.created', { when: fmtDateTime(q.data.created_at, i18n.language) })} · {t('settings.yourRole', { role: t(`roles.${me?.role ?? 'viewer'}`) })}
      </p>
      <ErrorText error={error} />
      {can('admin') && <div><button type="submit" className="btn-primary">{t('common.save')}</button></div>}
      {stepUp.dialog}
    </form>
  );
}
