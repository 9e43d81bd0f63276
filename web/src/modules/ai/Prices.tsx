// Price overrides: the workspace's own price (USD per million tokens, in and out) and context
// window per model, used for costs and budgets instead of the built-in list. Admins add or
// change one model at a time, and remove one (`{model: null}`) after a confirmation that
// takes an optional why.
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AiSettings } from '../../../../sdk/src/ai.js';
import { fmtNumber } from '../../lib/format';
import { Dialog } from '../../ui/Dialog';
import { ErrorText, useToast } from '../../ui/feedback';
import { useStepUp } from '../../ui/StepUp';
import { fieldErrors, FieldMessage, invalidProps, messagesAt, saveSettings, WhyField, withWhy, type Price } from './shared';

type Props = { prices: Record<string, Price>; models: string[]; admin: boolean; onSaved: (s: AiSettings) => void };

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

export function Prices({ prices, models, admin, onSaved }: Props) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const toast = useToast();
  const stepUp = useStepUp();
  const uid = useId();
  const [model, setModel] = useState('');
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [context, setContext] = useState('');
  const [why, setWhy] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [modelError, setModelError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);
  const modelRef = useRef<HTMLInputElement>(null);
  // After a removal the row (and its Remove button) is gone: the focus goes to the form, once
  // the dialog has closed (its own clean-up gives the focus back first).
  const focusForm = useRef(false);
  useEffect(() => {
    if (!focusForm.current || removing !== null) return;
    focusForm.current = false;
    modelRef.current?.focus();
  });
  const inputRef = useRef<HTMLInputElement>(null);
  const rows = Object.entries(prices).sort(([a], [b]) => a.localeCompare(b));
  const usd = (n: number) => `${fmtNumber(n, lng)} $`;

  const errors = fieldErrors(error);
  const at = (f: string) => messagesAt(errors, `prices.${model.trim()}.${f}`);
  const id = (f: string) => `${uid}-${f}`;
  const shownKeys = new Set(['input_per_mtok', 'output_per_mtok', 'context'].map((f) => `prices.${model.trim()}.${f}`));
  const elsewhere = [...errors].filter(([k]) => !shownKeys.has(k)).flatMap(([, v]) => v);

  const edit = (m: string) => {
    const p = prices[m]!;
    setModel(m);
    setInput(String(p.input_per_mtok));
    setOutput(String(p.output_per_mtok));
    setContext(p.context === undefined ? '' : String(p.context));
    setError(null);
    setModelError(undefined);
    inputRef.current?.focus();
  };

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const name = model.trim();
    setError(null);
    if (!name) {
      setModelError(t('aiSettings.modelRequired'));
      modelRef.current?.focus();
      return;
    }
    setModelError(undefined);
    setBusy(true);
    try {
      const c = num(context);
      const price = { input_per_mtok: num(input), output_per_mtok: num(output), ...(c === undefined ? {} : { context: c }) } as Price;
      const out = await stepUp.run(() => saveSettings({ prices: { [name]: price }, ...withWhy(why) }));
      onSaved(out);
      toast(t('aiSettings.priceSaved', { model: name }));
      setModel('');
      setInput('');
      setOutput('');
      setContext('');
      setWhy('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="glass panel stack" aria-labelledby="ai-prices-h" data-testid="ai-prices">
      <div>
        <h2 id="ai-prices-h">{t('aiSettings.pricesTitle')}</h2>
        <p className="muted small">{t('aiSettings.pricesHint')}</p>
      </div>
      {rows.length === 0 ? (
        <p className="empty">{t('aiSettings.noPrices')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="ai-price-table">
            <thead>
              <tr>
                <th scope="col">{t('ai.model')}</th>
                <th scope="col">{t('aiSettings.inputShort')}</th>
                <th scope="col">{t('aiSettings.outputShort')}</th>
                {admin && <th scope="col"><span className="sr-only">{t('common.actions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {rows.map(([m, p]) => (
                <tr key={m} data-model={m}>
                  <td>
                    <span className="mono wrap-any">{m}</span>
                    <div className="muted small">{p.context === undefined ? t('aiSettings.contextDefault') : t('aiSettings.contextTokens', { n: fmtNumber(p.context, lng) })}</div>
                  </td>
                  <td>{usd(p.input_per_mtok)}</td>
                  <td>{usd(p.output_per_mtok)}</td>
                  {admin && (
                    <td>
                      <div className="row" style={{ justifyContent: 'flex-end', gap: 6 }}>
                        <button type="button" className="btn-sm" onClick={() => edit(m)} aria-label={t('aiSettings.editPrice', { model: m })}>{t('aiSettings.edit')}</button>
                        <button type="button" className="btn-sm btn-danger" onClick={() => setRemoving(m)} aria-label={t('aiSettings.removePrice', { model: m })}>{t('aiSettings.remove')}</button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {admin && (
        <form className="form" onSubmit={save} noValidate data-testid="ai-price-form" aria-labelledby={`${uid}-h`}>
          <h3 id={`${uid}-h`} style={{ margin: 0 }}>{t('aiSettings.priceFormTitle')}</h3>
          <div className="field">
            <label htmlFor={id('model')}>{t('aiSettings.priceModel')}</label>
            <input
              id={id('model')} ref={modelRef} className="mono" list={id('models')} value={model} autoComplete="off" maxLength={200}
              onChange={(e) => setModel(e.target.value)} {...invalidProps(!!modelError, id('model-err'))}
            />
            <datalist id={id('models')}>{models.map((m) => <option key={m} value={m} />)}</datalist>
            <FieldMessage id={id('model-err')} messages={[]} local={modelError} />
          </div>
          <div className="grid grid-3">
            <div className="field">
              <label htmlFor={id('in')}>{t('aiSettings.inputPrice')}</label>
              <input id={id('in')} ref={inputRef} type="number" inputMode="decimal" min={0} max={10000} step="any" value={input} onChange={(e) => setInput(e.target.value)} {...invalidProps(at('input_per_mtok').length > 0, id('in-err'))} />
              <FieldMessage id={id('in-err')} messages={at('input_per_mtok')} />
            </div>
            <div className="field">
              <label htmlFor={id('out')}>{t('aiSettings.outputPrice')}</label>
              <input id={id('out')} type="number" inputMode="decimal" min={0} max={10000} step="any" value={output} onChange={(e) => setOutput(e.target.value)} {...invalidProps(at('output_per_mtok').length > 0, id('out-err'))} />
              <FieldMessage id={id('out-err')} messages={at('output_per_mtok')} />
            </div>
            <div className="field">
              <label htmlFor={id('context')}>{t('aiSettings.contextLabel')}</label>
              <input id={id('context')} type="number" inputMode="numeric" min={1} step={1} value={context} onChange={(e) => setContext(e.target.value)} placeholder={t('aiSettings.contextPlaceholder')} {...invalidProps(at('context').length > 0, id('context-err'))} />
              <FieldMessage id={id('context-err')} messages={at('context')} />
            </div>
          </div>
          <FieldMessage id={id('other-err')} messages={elsewhere} />
          <p className="hint" style={{ margin: 0 }}>{t('aiSettings.priceReplaces')}</p>
          <WhyField value={why} onChange={setWhy} />
          <ErrorText error={error} />
          <div><button type="submit" className="btn-primary" disabled={busy}>{t('aiSettings.savePrice')}</button></div>
          {stepUp.dialog}
        </form>
      )}
      {removing !== null && (
        <RemovePrice
          model={removing}
          onClose={() => setRemoving(null)}
          onRemoved={(out) => {
            onSaved(out);
            focusForm.current = true;
          }}
        />
      )}
    </section>
  );
}

/** Asks before removing a price override (with an optional why, kept on the change's diff). */
function RemovePrice({ model, onClose, onRemoved }: { model: string; onClose: () => void; onRemoved: (s: AiSettings) => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const stepUp = useStepUp();
  const [why, setWhy] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const out = await stepUp.run(() => saveSettings({ prices: { [model]: null }, ...withWhy(why) }));
      toast(t('aiSettings.priceRemoved', { model }));
      onClose();
      onRemoved(out);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('aiSettings.removePriceTitle', { model })} description={t('aiSettings.removePriceBody')} onClose={onClose}>
      <form className="form" onSubmit={confirm}>
        <WhyField value={why} onChange={setWhy} />
        <ErrorText error={error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="btn-danger" disabled={busy}>{t('aiSettings.remove')}</button>
        </div>
      </form>
      {stepUp.dialog}
    </Dialog>
  );
}
