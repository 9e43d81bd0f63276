// Highlighted text from the server as React text nodes: the hits in <mark>, never as HTML.
import type { Segment } from './api';

export function Snippet({ segments }: { segments: readonly Segment[] }) {
  return <>{segments.map((s, i) => (s.hit ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>))}</>;
}
