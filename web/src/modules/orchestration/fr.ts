// Orchestration: French.
import type en from './en';

const fr: typeof en = {
  nav: { flows: 'Flux', runs: 'Exécutions' },
  palette: { page: { '/flows': 'Flux', '/runs': 'Exécutions' } },
  flows: {
    title: 'Flux', new: 'Nouveau flux', hint: 'Des automatisations en graphe d’étapes : commandes, appels HTTP, invites LLM, approbations, attentes.',
    filters: 'Filtres des flux', search: 'Chercher par nom ou clé', none: 'Aucun flux pour l’instant.', noMatch: 'Aucun flux ne correspond à cette recherche.',
    runsCol: 'Exécutions', lastRun: 'Dernière exécution', runCount: '{{n}} exécutions', failedCount: '{{n}} en échec',
  },
  flowStatus: { active: 'Actif', paused: 'En pause', archived: 'Archivé' },
  runStatus: {
    queued: 'En file', running: 'En cours', waiting: 'En attente', compensating: 'Annulation en cours', completed: 'Terminée', failed: 'Échec',
    compensated: 'Annulée (compensée)', compensation_failed: 'Échec de l’annulation', cancelled: 'Interrompue',
  },
  stepStatus: { completed: 'Terminée', failed: 'Échec', skipped: 'Ignorée', waiting: 'En attente', compensated: 'Annulée', compensation_failed: 'Échec de l’annulation' },
  trigger: { api: 'Appel API', rule: 'Règle', schedule: 'Planification', event: 'Événement', sub_flow: 'Flux parent', replay: 'Rejeu', fork: 'Bifurcation', cli: 'Ligne de commande' },
  waitKind: { event: 'un événement', approval: 'une approbation', child: 'un sous-flux', timer: 'un délai' },
  runs: {
    title: 'Exécutions', none: 'Aucune exécution pour l’instant.', run: 'Exécution', flow: 'Flux', trigger: 'Lancée par', started: 'Début',
    filters: 'Filtres des exécutions', flowKey: 'Clé du flux',
  },
  flow: {
    nodeHelp: 'Une étape du flux ; la liste des étapes et le journal ci-dessous disent la même chose.', steps: 'Étapes', after: 'après {{steps}}',
    problems: 'Problèmes trouvés : {{n}}', valid: 'La définition est valide.', validate: 'Valider', notJson: 'La définition n’est pas du JSON valide.',
    inputInvalid: 'L’entrée doit être un objet JSON, par exemple {"name": "Ada"}.', updated: 'modifié {{when}}', back: 'Tous les flux',
    pause: 'Mettre en pause', resume: 'Reprendre', graph: 'Graphe', noSteps: 'Ce flux n’a aucune étape.', startTitle: 'Lancer une exécution',
    input: 'Entrée (JSON)', start: 'Lancer', pausedHint: 'Le flux est en pause : reprenez-le pour lancer des exécutions.', definition: 'Définition',
    definitionLabel: 'Définition (JSON ou YAML)', bump: 'Version suivante', publish: 'Publier une nouvelle version',
    recentRuns: 'Exécutions récentes', allRuns: 'Voir toutes les exécutions', versions: 'Versions publiées',
  },
  newFlow: {
    title: 'Nouveau flux', definition: 'Définition', create: 'Créer le flux',
    formatHint: 'JSON ou YAML. La clé nomme le flux dans les adresses ; elle ne peut plus changer ensuite.',
    gallery: 'Modèles', galleryHint: 'Choisissez un point de départ : il remplit l’éditeur ci-dessous, où tout reste modifiable.',
    use: 'Utiliser ce modèle', useNamed: 'Utiliser ce modèle : {{name}}', inEditor: 'Dans l’éditeur', stepCount: 'Étapes : {{n}}',
    filled: '« {{name}} » est dans l’éditeur.',
    tpl: {
      'client-onboarding': { name: 'Lancement de l’accueil d’un client', description: 'Un administrateur valide le lancement, puis les tâches d’accueil sont créées dans le workflow du client.' },
      'overdue-escalation': { name: 'Escalade des tâches en retard', description: 'Quand une tâche est bloquée ou que son échéance recule, les administrateurs sont prévenus ; toujours bloquée 2 jours plus tard, les propriétaires aussi.' },
      'weekly-report': { name: 'Rapport hebdomadaire par LLM', description: 'Chaque lundi à 9 h, le modèle rédige un court rapport et l’équipe est prévenue.' },
      'webhook-task': { name: 'Webhook → tâche', description: 'Un appel à l’API (un formulaire, un autre outil) crée une tâche dans un workflow à partir de son titre.' },
      'invoice-chase': { name: 'Relance de facture', description: 'Attend le paiement une semaine, envoie une relance, attend encore une semaine, puis prévient les administrateurs.' },
      'content-review': { name: 'Relecture de contenu par deux approbateurs', description: 'Deux membres approuvent avant publication ; la personne qui demande ne peut pas approuver.' },
      'lead-follow-up': { name: 'Suivi d’un prospect', description: 'Des rappels à J0, J2 et J7 ; un gros prospect est aussi signalé à un administrateur.' },
      'data-import': { name: 'Import de données annulable', description: 'Enregistre chaque ligne ; si l’import échoue, le lot est annulé par un événement de compensation.' },
    },
  },
  run: {
    title: 'Exécution {{id}}', branch: 'branche {{branch}}', attempt: 'tentative {{n}}', retryAt: 'prochain essai {{when}}',
    input: 'Entrée', output: 'Sortie', error: 'Erreur', why: 'Pourquoi (facultatif)', approve: 'Approuver', reject: 'Refuser',
    approved: 'Approbation enregistrée.', rejected: 'Refus enregistré.', startedAt: 'commencée {{when}}', finishedAt: 'terminée {{when}}',
    live: 'Mise à jour en direct', compensate: 'Annuler les étapes terminées', cancel: 'Interrompre l’exécution', errorTitle: 'Ce qui n’a pas marché',
    failedStep: 'L’étape « {{step}} » a échoué (tentatives : {{n}}).', replay: 'Rejouer', fork: 'Bifurquer depuis « {{step}} »',
    approvals: 'En attente d’une décision', readOnly: 'Vous voyez cette approbation mais ne pouvez pas décider.', waits: 'Ce que l’exécution attend',
    waitsFor: '« {{step}} » attend {{kind}}', timeline: 'Journal d’exécution', noSteps: 'Aucune étape n’a encore tourné.', io: 'Entrée et sortie',
  },
  editor: {
    palette: 'Palette d’étapes', add: 'Ajouter une étape :', addAfter: 'Ajouter après « {{id}} » :', addType: 'Ajouter l’étape : {{type}}',
    added: 'Étape « {{id}} » ajoutée.', deleted: 'Étape « {{id}} » supprimée.', pick: 'Étape sélectionnée', stepForm: 'Réglages de l’étape',
    noSelection: 'Sélectionnez une étape dans le graphe (clic, ou Entrée dessus) pour modifier ses réglages.',
    stepTitle: 'Étape {{id}} · {{type}}', delete: 'Supprimer l’étape', deleteEdge: 'Supprimer la liaison {{edge}}', format: 'Format du texte',
    commaHint: 'Séparés par des virgules.', notNumber: 'Saisissez un nombre entier.', notJson: 'Pas encore du JSON valide : la dernière valeur valide est conservée.',
    parseError: 'Le {{format}} ne se lit pas ({{message}}) : le graphe montre la dernière version valide.',
    type: {
      command: 'Commande', http: 'Appel HTTP', llm: 'Invite LLM', task: 'Tâche', approval: 'Approbation', wait: 'Attente', condition: 'Condition si / sinon',
      switch: 'Aiguillage', parallel: 'Parallèle', for_each: 'Pour chaque', sub_flow: 'Sous-flux', transform: 'Transformation',
    },
    field: {
      id: 'Identifiant de l’étape', name: 'Nom de l’étape', command: 'Nom de la commande', input: 'Entrée de la commande (JSON)', method: 'Méthode', url: 'Adresse (URL)', body: 'Corps (JSON)',
      alias: 'Alias du modèle', prompt: 'Invite', workflow_id: 'Identifiant du workflow', assignee_id: 'Identifiant de la personne assignée', due_date: 'Échéance', title: 'Titre de l’approbation',
      approvers: 'Approbateurs', required: 'Approbations requises', exclude_starter: 'La personne qui a lancé l’exécution ne peut pas approuver',
      seconds: 'Attente (secondes)', until: 'Attendre jusqu’à (expression)', event_namespace: 'Espace de noms de l’événement', event_event: 'Nom de l’événement',
      if: 'Condition à tester (expression)', value: 'Valeur', cases: 'Cas', items: 'Éléments (expression)', limit: 'Limite d’éléments', flow: 'Clé du flux',
      after: 'Après les étapes (id ou id:branche)', retry_max_attempts: 'Nombre maximal de tentatives', timeout_seconds: 'Délai maximal (secondes)',
    },
  },
  errors: {
    INVALID_FLOW: 'La définition du flux comporte des problèmes.', FLOW_PAUSED: 'Ce flux est en pause : reprenez-le pour lancer des exécutions.',
    FLOW_ARCHIVED: 'Ce flux est archivé.', FLOW_KEY_TAKEN: 'Un autre flux utilise déjà cette clé.',
    VERSION_EXISTS: 'Cette version existe déjà : choisissez une version plus élevée.', RUN_FINISHED: 'Cette exécution est déjà terminée.',
    RUN_NOT_FINISHED: 'Cette exécution n’est pas encore terminée.', ALREADY_DECIDED: 'Vous avez déjà décidé pour cette étape.',
    STARTER_EXCLUDED: 'La personne qui a lancé l’exécution ne peut pas décider de cette étape.', JOURNAL_PRUNED: 'Le journal de cette exécution n’est plus conservé.',
  },
};

export default fr;
