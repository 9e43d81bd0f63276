// Members and roles, invitations (the link is shown once when no email is configured).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { InvitationCreated, Role } from '../../../../../sdk/src/index.js';
import { api } from '../../../api';
import { useSession } from '../../../app/session';
import { fmtDateTime } from '../../../lib/format';
import { useQuery } from '../../../lib/query';
import { CopyButton } from '../../../ui/CopyButton';
import { ErrorText, useAction } from '../../../ui/feedback';
import { useStepUp } from '../../../ui/StepUp';
import { WhyDialog } from '../../../ui/WhyDialog';

const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer', 'integration'];

export function Members() {
  const { t, i18n } = useTranslation();
  const { members, reloadMembers, can, me } = useSession();
  const run = useAction();
  const stepUp = useStepUp();
  const admin = can('admin');
  const invitations = useQuery(() => (admin ? api.members.invitations() : Promise.resolve([])), [admin]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Exclude<Role, 'owner'>>('member');
  const [invited, setInvited] = useState<InvitationCreated | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);

  const invite = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setInvited(await api.members.invite(email.trim(), role));
      setEmail('');
      await invitations.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="stack">
      <section className="glass panel">
        <h2>{t('settings.tab.members')}</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('fields.name')}</th>
                <th scope="col" className="hide-mobile">{t('fields.email')}</th>
                <th scope="col">{t('fields.role')}</th>
                {admin && <th scope="col"><span className="sr-only">{t('common.actions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.user_id}>
                  <td>{m.name}{m.user_id === me?.user?.id && <span className="muted"> ({t('settings.you')})</span>}</td>
                  <td className="hide-mobile">{m.email}</td>
                  <td>
                    {admin ? (
                      <select aria-label={t('settings.roleOf', { name: m.name })} value={m.role} onChange={async (e) => {
                        const next = e.target.value as Role;
                        await run(() => stepUp.run(() => api.members.changeRole(m.user_id, next)), t('common.saved'));
                        await reloadMembers();
                      }}>
                        {ROLES.map((r) => (
                          <option key={r} value={r}>{t(`roles.${r}`)}</option>
                        ))}
                      </select>
                    ) : t(`roles.${m.role}`)}
                  </td>
                  {admin && (
                    <td>
                      {m.user_id !== me?.user?.id && (
                        <button type="button" className="btn-sm btn-danger" onClick={() => setRemoving({ id: m.user_id, name: m.name })}>{t('settings.remove')}</button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {admin && (
        <section className="glass panel stack">
          <h2>{t('settings.invitations')}</h2>
          <form className="row" onSubmit={invite} style={{ alignItems: 'flex-end' }}>
            <div className="field" style={{ flex: 1, minWidth: 200 }}>
              <label htmlFor="inv-email">{t('fields.email')}</label>
              <input id="inv-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="inv-role">{t('fields.role')}</label>
              <select id="inv-role" value={role} onChange={(e) => setRole(e.target.value as Exclude<Role, 'owner'>)}>
                {ROLES.filter((r) => r !== 'owner').map((r) => (
                  <option key={r} value={r}>{t(`roles.${r}`)}</option>
                ))}
              </select>
            </div>
            <button type="submit" className="btn-primary">{t('settings.invite')}</button>
          </form>
          <ErrorText error={error} />
          {invited && (
            <div className="alert info" role="status">
              {invited.email_sent ? t('settings.inviteSent', { email: invited.invitation.email }) : (
                <>
                  <p>{t('settings.inviteLink', { email: invited.invitation.email })}</p>
                  <div className="row"><code className="secret" style={{ flex: 1 }}>{invited.accept_url}</code><CopyButton text={invited.accept_url ?? ''} /></div>
                </>
              )}
            </div>
          )}
          <ErrorText error={invitations.error} />
          {(invitations.data ?? []).length === 0 ? <p className="empty">{t('settings.noInvitations')}</p> : (
            <ul className="list">
              {(invitations.data ?? []).map((inv) => (
                <li key={inv.id} className="row" style={{ justifyContent: 'space-between' }}>
                  <span>{inv.email} · {t(`roles.${inv.role}`)} · <span className="muted">{t(`invitation.${inv.status}`)} · {t('settings.expires', { when: fmtDateTime(inv.expires_at, i18n.language) })}</span></span>
                  {inv.status === 'pending' && (
                    <button type="button" className="btn-sm" onClick={async () => (await run(() => api.members.revokeInvitation(inv.id))) && void invitations.reload()}>{t('settings.revoke')}</button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {removing && (
        <WhyDialog
          title={t('settings.removeTitle', { name: removing.name })}
          confirmLabel={t('settings.remove')}
          onCancel={() => setRemoving(null)}
          onConfirm={async (why) => {
            await api.members.remove(removing.id, why);
            setRemoving(null);
            await reloadMembers();
          }}
        />
      )}
      {stepUp.dialog}
    </div>
  );
}
