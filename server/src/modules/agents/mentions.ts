// @mentions of an agent in whys (and, once they exist, comments — they are whys of their
// diffs too): a durable ledger subscription finds `@<agent name>` in each committed diff's why
// and leaves a request for that agent's next wake, brought forward to now.
import type { Tx } from '../../platform/db/index.js';
import { newId } from '../../platform/ids.js';
import type { CommittedDiff, Ledger } from '../ledger/index.js';

export function onMentions(ledger: Pick<Ledger, 'diffsWithWhys'>, now: () => Date) {
  return async (diffs: readonly CommittedDiff[], delivery: { tx: Tx }): Promise<void> => {
    if (diffs.length === 0) return;
    const tx = delivery.tx;
    const withWhys = await ledger.diffsWithWhys(tx, diffs.map((d) => d.id));
    const mentioning = diffs.map((d) => ({ d, why: withWhys.get(d.id)?.why ?? null })).filter((x): x is { d: CommittedDiff; why: string } => !!x.why && x.why.includes('@'));
    if (mentioning.length === 0) return;
    const tenants = [...new Set(mentioning.map((m) => m.d.tenant_id))];
    // system: the subscription serves every workspace; each agent is matched within its own tenant below.
    const agents = await tx.selectFrom('agents').select(['id', 'tenant_id', 'name']).where('tenant_id', 'in', tenants).where('archived_at', 'is', null).execute();
    for (const { d, why } of mentioning) {
      const text = why.toLowerCase();
      for (const a of agents) {
        if (a.tenant_id !== d.tenant_id || (d.actor_type === 'agent' && d.actor_id === a.id)) continue;
        if (!text.includes(`@${a.name.toLowerCase()}`)) continue;
        await tx.insertInto('agent_wakes').values({
          id: newId('wake'), tenant_id: a.tenant_id, agent_id: a.id, reason: 'mention', cause_diff_id: d.id,
          detail: JSON.stringify({ text: `Mentioned in a why on ${d.entity_type} ${d.entity_id} (${d.event}): ${why.slice(0, 1500)}`, from: { type: d.actor_type, id: d.actor_id }, entity: { type: d.entity_type, id: d.entity_id } }),
        }).execute();
        await tx.updateTable('agents').set({ next_wake_at: now() }).where('id', '=', a.id).where('enabled', '=', true).execute();
      }
    }
  };
}
