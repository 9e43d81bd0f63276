// A notebook's outputs of one kind: the versions (newest first), the one picked, Generate (a
// new version) and polling of that version while it is queued or running.
import { useEffect, useState } from 'react';
import { useQuery } from '../../lib/query';
import { knowledge, type Output, type OutputKind } from './api';

const pending = (o: Output | undefined): boolean => !!o && (o.status === 'queued' || o.status === 'running');

export function useOutput(notebookId: string, kind: OutputKind) {
  const versions = useQuery(() => knowledge.outputs(notebookId, kind), [notebookId, kind]);
  const [picked, setPicked] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const id = picked ?? versions.data?.[0]?.id ?? null;
  const current = useQuery(() => (id ? knowledge.output(id) : Promise.resolve(undefined)), [id]);
  const waiting = pending(current.data);
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => { if (document.visibilityState !== 'hidden') void current.reload(); }, 1000);
    return () => clearInterval(timer);
  }, [waiting, current.reload]);
  // The list shows each version's status too: refresh it when the picked one settles.
  useEffect(() => { if (current.data && !waiting) void versions.reload(); }, [current.data?.status]); // eslint-disable-line react-hooks/exhaustive-deps
  const generate = async () => {
    setError(null);
    try {
      const out = await knowledge.generate(notebookId, kind);
      await versions.reload();
      setPicked(out.id);
    } catch (err) { setError(err); }
  };
  return { versions: versions.data ?? [], loaded: !!versions.data, listError: versions.error, current: current.data, id, pick: setPicked, generate, error, waiting };
}
