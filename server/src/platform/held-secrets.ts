// Secrets inside a held command's input (a provider key, a webhook secret). The approval row
// keeps the input until someone decides, readable by anyone who can read the table or a dump
// of it, so the values a command declares secret (`CommandDef.secrets`) are sealed before the
// row is written and opened only to run the command on approval.
//
// A pattern is dot-separated keys, `*` standing for any key of an object or index of an array:
// `providers.*.api_key`, `actions.*.secret`. Only strings are sealed (null means "remove the
// key" and stays as it is). What was sealed is kept as concrete paths beside the input, so
// opening never guesses: a row without them (older rows, inputs with no secret) runs as stored.

/** A concrete path into an input: object keys and array indexes. */
export type SecretPath = (string | number)[];

type Node = unknown;

const isObject = (v: Node): v is Record<string, Node> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every concrete path a pattern names in `value` that holds a string. */
function matches(value: Node, pattern: readonly string[], at: SecretPath = []): SecretPath[] {
  if (pattern.length === 0) return typeof value === 'string' ? [at] : [];
  const [head, ...rest] = pattern as [string, ...string[]];
  if (Array.isArray(value)) {
    const indexes = head === '*' ? value.map((_, i) => i) : /^\d+$/.test(head) ? [Number(head)] : [];
    return indexes.filter((i) => i < value.length).flatMap((i) => matches(value[i], rest, [...at, i]));
  }
  if (!isObject(value)) return [];
  const keys = head === '*' ? Object.keys(value) : Object.hasOwn(value, head) ? [head] : [];
  return keys.flatMap((k) => matches(value[k], rest, [...at, k]));
}

/** A copy of `value` with the string at `path` replaced by `f(it)` (containers on the way copied, the rest shared). */
function replaceAt(value: Node, path: SecretPath, f: (s: string) => string): Node {
  if (path.length === 0) return typeof value === 'string' ? f(value) : value;
  const [head, ...rest] = path as [string | number, ...SecretPath];
  if (Array.isArray(value) && typeof head === 'number' && head < value.length) {
    const copy = [...value];
    copy[head] = replaceAt(value[head], rest, f);
    return copy;
  }
  if (isObject(value) && typeof head === 'string' && Object.hasOwn(value, head)) return { ...value, [head]: replaceAt(value[head], rest, f) };
  return value;
}

/** The input with the secrets the patterns name sealed, and where they were (empty: nothing to seal). */
export function sealSecrets<T>(input: T, patterns: readonly string[], seal: (plain: string) => string): { input: T; sealed: SecretPath[] } {
  // Two patterns may name one value: it is sealed once.
  const byKey = new Map(patterns.flatMap((p) => matches(input, p.split('.'))).map((path) => [JSON.stringify(path), path]));
  const sealed = [...byKey.values()];
  const out = sealed.reduce<Node>((v, path) => replaceAt(v, path, seal), input) as T;
  return { input: out, sealed };
}

/** The input as it was asked: each sealed path opened. */
export function openSecrets<T>(input: T, sealed: readonly SecretPath[], open: (sealed: string) => string): T {
  return sealed.reduce<Node>((v, path) => replaceAt(v, path, open), input) as T;
}
