// Plain-language commands of the Cmd+K palette, in English, French and Malagasy:
// "new workflow from client onboarding", "show blocked tasks", "show overdue tasks this
// week", "open audit log for <workflow>", "switch to French"… Pure: text in, action out.
export type Lang = 'en' | 'fr' | 'mg';
export type Named = { id: string; name: string };
export type Command =
  | { kind: 'new-workflow'; template?: Named; query: string }
  | { kind: 'tasks'; filter: 'blocked' | 'overdue'; range?: 'week' }
  | { kind: 'audit'; workflow?: Named; query: string }
  | { kind: 'language'; lng: Lang }
  | { kind: 'theme'; theme: 'dark' | 'light' }
  | { kind: 'low-bandwidth'; on: boolean }
  | { kind: 'page'; path: string }
  | { kind: 'approvals' };
/** `pages`: where a page name typed alone or after "go to" leads (the modules' navigation entries). */
export type CommandContext = { templates: Named[]; workflows: Named[]; pages?: ReadonlyArray<{ to: string; match?: RegExp }> };

/** Lower case, no accents, one kind of apostrophe, single spaces. */
export function normalize(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/[^\p{L}\p{N}' -]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const STOP = new Set(['the', 'a', 'of', 'le', 'la', 'les', 'de', 'du', 'des', 'ny', 'an', 'ho', 'template', 'modele', 'workflow']);
const words = (s: string) => normalize(s).split(/[ '-]+/).filter((w) => w.length > 1 && !STOP.has(w));

/** The item whose name best matches `query` (all query words found beats some), or undefined. */
export function bestMatch<T extends Named>(query: string, items: readonly T[]): T | undefined {
  const q = normalize(query);
  if (!q) return undefined;
  const exact = items.find((i) => normalize(i.name) === q);
  if (exact) return exact;
  const qw = words(query);
  let best: T | undefined;
  let bestScore = 0;
  for (const item of items) {
    const name = normalize(item.name);
    const iw = words(item.name);
    let score = name.includes(q) ? 100 : 0;
    for (const w of qw) if (iw.some((x) => x.startsWith(w) || w.startsWith(x))) score += 10;
    if (qw.length > 0 && score >= qw.length * 10) score += 5; // every word found
    if (score > bestScore) {
      best = item;
      bestScore = score;
    }
  }
  return bestScore >= 10 ? best : undefined;
}

const LANGS: Record<string, Lang> = {
  english: 'en', anglais: 'en', anglisy: 'en', en: 'en',
  french: 'fr', francais: 'fr', frantsay: 'fr', fr: 'fr',
  malagasy: 'mg', malgache: 'mg', mg: 'mg',
};

const NEW_WORKFLOW =
  /^(?:(?:new|create|start)(?: a| the)? workflow|(?:nouveau|nouvelle|creer|demarrer)(?: un| une)? (?:workflow|flux)|(?:mamorona )?fizotran'?asa vaovao|mamorona fizotran'?asa)(?: (?:from|using|with|based on|depuis|a partir d'?(?:un|une|le|du)?|avec|du|de|avy amin'?ny|avy any|amin'?ny|mampiasa)(?: the| le| la| ny)?(?: template| modele| modely)?)?(?: (.*))?$/;
const BLOCKED = /^(?:(?:show|list|see|find)(?: me)?(?: all)?(?: the)? )?blocked(?: tasks?)?$|^(?:(?:afficher|montrer|voir|lister)(?: les)? )?taches bloquees$|^(?:(?:asehoy|jereo)(?: ireo| ny)? )?asa voasakana$/;
const OVERDUE =
  /^(?:(?:show|list|see|find)(?: me)?(?: all)?(?: the)? )?(?:overdue|late)(?: tasks?)?( this week)?$|^(?:(?:afficher|montrer|voir|lister)(?: les)? )?taches en retard( cette semaine)?$|^(?:(?:asehoy|jereo)(?: ireo| ny)? )?asa tara( (?:amin'?ity|ity) herinandro(?: ity)?)?$/;
const AUDIT =
  /^(?:(?:open|show|go to)(?: the)? audit(?: log| trail)?|(?:ouvrir |voir |afficher )?(?:le )?journal d'?audit|(?:sokafy|jereo)(?: ny)? diarin'?ny fanovana)(?: (?:for|of|on|pour|de|du|des|ho an'?ny|an'?ny|momba ny)(?: the| le| la)? (.+))?$/;
const LANGUAGE = /^(?:switch to|change (?:the )?language to|language|use|passer en|passer au|langue|mettre en|ampiasao(?: ny)?(?: teny)?|teny|ovay ho) (?:the )?(?:teny )?(\p{L}+)$/u;
const THEME = /^(?:(?:switch to|use|passer en|ampiasao(?: ny)?) )?(?:(dark|light) (?:theme|mode)|(?:theme|mode) (sombre|clair)|endrika (maizina|mazava))$/;
const LOWBW = /^(?:turn |switch )?(low[ -]?bandwidth|faible debit|tambajotra malemy)(?: mode)?(?: (on|off|oui|non|eny|tsia))?$/;
const APPROVALS =
  /^(?:(?:show|list|see|open)(?: me)?(?: all)?(?: the)? )?pending approvals?$|^(?:(?:afficher|montrer|voir|ouvrir)(?: les)? )?approbations en attente$|^(?:(?:asehoy|jereo)(?: ireo| ny)? )?fankatoavana miandry$/;
const GOTO = /^(?:go to|open|show|aller a|ouvrir|afficher|mankany|sokafy) (?:the |le |la |les |ny )?(.+)$/;

export function parseCommand(input: string, ctx: CommandContext): Command | null {
  const s = normalize(input);
  if (!s) return null;
  let m: RegExpMatchArray | null;
  if ((m = s.match(NEW_WORKFLOW))) {
    const query = (m[1] ?? '').trim();
    return { kind: 'new-workflow', query, template: query ? bestMatch(query, ctx.templates) : undefined };
  }
  if (BLOCKED.test(s)) return { kind: 'tasks', filter: 'blocked' };
  if (APPROVALS.test(s)) return { kind: 'approvals' };
  if ((m = s.match(OVERDUE))) return { kind: 'tasks', filter: 'overdue', ...(m[1] || m[2] || m[3] ? { range: 'week' as const } : {}) };
  if ((m = s.match(AUDIT))) {
    const query = (m[1] ?? '').trim();
    return { kind: 'audit', query, workflow: query ? bestMatch(query, ctx.workflows) : undefined };
  }
  if ((m = s.match(LANGUAGE)) && m[1] && LANGS[m[1]]) return { kind: 'language', lng: LANGS[m[1]]! };
  if ((m = s.match(THEME))) {
    const word = m[1] ?? m[2] ?? m[3];
    return { kind: 'theme', theme: word === 'dark' || word === 'sombre' || word === 'maizina' ? 'dark' : 'light' };
  }
  if ((m = s.match(LOWBW))) return { kind: 'low-bandwidth', on: !['off', 'non', 'tsia'].includes(m[2] ?? '') };
  const target = (m = s.match(GOTO)) ? m[1]! : s;
  for (const p of ctx.pages ?? []) if (p.match?.test(target)) return { kind: 'page', path: p.to };
  return null;
}
