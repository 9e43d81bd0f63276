// Agents et boîte de réception : français.
import type en from './en';

const fr: typeof en = {
  nav: { agents: 'Agents IA', myDay: 'Ma journée' },
  palette: { page: { '/agents': 'Agents IA', '/my-day': 'Ma journée' } },
  agents: {
    title: 'Agents IA', hint: 'Des coéquipiers IA qui se réveillent à intervalles réguliers, cherchent du travail et vous proposent des changements à approuver.',
    gallery: 'Galerie', enable: 'Activer', enabled: 'Activé', enabledToast: '{{name}} est activé.', slot: 'Arrive avec le module valeur',
    roster: 'Vos agents', none: 'Aucun agent pour l’instant : activez-en un depuis la galerie.', name: 'Agent IA', status: 'État', lastBeat: 'Dernier réveil',
    nextBeat: 'Prochain réveil', budget: 'Budget consommé', waiting: 'Propositions en attente', never: 'jamais', noBudget: 'sans limite',
    wake: 'Réveiller maintenant', waking: 'Réveil…', every: 'toutes les {{n}} min', open: 'Ouvrir',
    outcome: {
      slept: 'Rien à faire — aucun appel au modèle.', working: 'Au travail…', paused: 'En pause : il ne se réveille pas.', over_budget: 'Budget dépassé : en pause jusqu’à ce que le budget soit relevé.',
      busy: 'Déjà au travail.', worked: 'Travail fait : des propositions attendent.', seeRun: 'Voir l’exécution',
    },
    statusName: { idle: 'Inactif', error: 'En erreur', active: 'Actif', sleeping: 'En sommeil', working: 'Au travail', paused: 'En pause', over_budget: 'Budget dépassé', archived: 'Archivé' },
  },
  agent: {
    back: 'Tous les agents', tabs: 'Sections de l’agent',
    tab: { overview: 'Aperçu', persona: 'Personnalité et manuel', tools: 'Outils', memory: 'Mémoire', log: 'Journal du jour', dialogue: 'Échanges', runs: 'Exécutions', costs: 'Coûts' },
    lastOutcome: 'Dernier résultat', heartbeat: 'Rythme de réveil', version: 'v{{n}}',
    persona: 'Personnalité (markdown)', manual: 'Manuel (markdown)', save: 'Enregistrer une nouvelle version', saved: 'Enregistré : version {{n}}.', versions: 'Versions enregistrées',
    versionBy: 'v{{n}} du {{when}}',
    mode: { direct: 'Agit directement', approval: 'Demande une approbation' }, modeLabel: 'Mode de {{command}}', remove: 'Retirer',
    addTool: 'Ajouter un outil', pickTool: 'Commande', add: 'Ajouter', notAllowed: 'Vous ne pouvez pas utiliser cette commande vous-même, donc vous ne pouvez pas la confier.', noTools: 'Aucun outil pour l’instant.',
    working: 'Mémoire de travail', facts: 'Faits', contradicted: 'Faits contredits', search: 'Chercher dans la mémoire', noMemory: 'Rien ici.',
    confidence: 'confiance {{n}} %', edit: 'Modifier', forget: 'Oublier', editTitle: 'Modifier « {{key}} »', forgetTitle: 'Oublier « {{key}} »',
    forgetBody: 'L’agent n’utilise plus ce fait. Le journal d’audit le garde : il peut être restauré.', value: 'Valeur', conflict: 'Contredit',
    editBody: 'La correction est gardée avec sa raison ; l’agent s’en sert dès son prochain réveil.',
    day: 'Jour', noLog: 'Rien de noté ce jour-là.',
    noMessages: 'Aucun message pour l’instant.', message: 'Écrire à l’agent', send: 'Envoyer', sent: 'Envoyé : l’agent se réveille pour le lire.', fromYou: 'Vous',
    noRuns: 'Aucune exécution pour l’instant.',
    tokens: 'Jetons par mois', usd: 'Coût mensuel (USD)', budgetHint: 'Vide : sans limite. 0 met l’agent en pause.', saveBudget: 'Enregistrer le budget',
    used: '{{tokens}} jetons, ${{usd}} consommés ce mois-ci', budgetSaved: 'Budget enregistré.',
  },
  inbox: {
    title: 'Boîte de réception', hint: 'Tout ce qui attend votre décision, le plus urgent d’abord.', filters: 'Filtres de la boîte', kind: 'Type', agent: 'Agent IA', department: 'Service', any: 'Tous',
    kinds: { proposal: 'Proposition d’un agent', rule_approval: 'Retenu par une règle', flow_step: 'Étape de flux', budget: 'Budget épuisé', memory: 'Conflit de mémoire' },
    none: 'Rien ne vous attend.', select: 'Sélectionner « {{title}} »', selectAll: 'Tout sélectionner', selected: '{{n}} sélectionnés',
    approveSelected: 'Approuver la sélection ({{n}})', rejectSelected: 'Refuser la sélection ({{n}})', batchTitle: '{{decision}} : {{n}} éléments',
    why: 'Pourquoi', whyHint: 'Gardé avec chaque décision dans le journal d’audit.', whyRequired: 'Dites pourquoi.', result: '{{ok}} faits, {{failed}} non faits.',
    keys: 'Touches : j / k se déplacer · a approuver · e modifier · r refuser · x sélectionner', pickOne: 'Choisissez un élément pour le voir ici.',
    by: 'par {{agent}}', reviews: 'Relectures', praise: 'Approuvé par le relecteur', refute: 'Contesté par le relecteur', noReviews: 'Pas relu.', input: 'Ce qu’il va faire (JSON, modifiable)',
    edited: 'Modifié : votre correction est approuvée et l’agent l’apprend.', inputInvalid: 'L’entrée doit être un objet JSON.', reset: 'Annuler mes modifications',
    approve: 'Approuver', reject: 'Refuser', rejectReason: 'Raison du refus', approved: 'Approuvé.', rejected: 'Refusé.', stale: 'L’objet concerné a changé depuis : désormais {{current}}.',
    openLink: 'Ouvrir', known: 'Connu', newValue: 'Nouveau', decidedHistory: 'Approbations de règles décidées',
  },
  myDay: { title: 'Ma journée', hint: 'Vos tâches ouvertes, classées par échéance, priorité et blocage.', none: 'Aucune tâche ouverte pour vous aujourd’hui.', score: 'note {{n}}' },
};
export default fr;
