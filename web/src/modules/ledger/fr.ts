// Ledger: French.
import type en from './en';

const fr: typeof en = {
  nav: { audit: 'Journal d’audit' },
  palette: { page: { '/audit': 'Journal d’audit' } },
  audit: {
    title: 'Journal d’audit', logTab: 'Journal', replayTab: 'Rejouer', filters: 'Filtres d’audit', searchWhys: 'Chercher dans les pourquoi', since: 'Du', until: 'Au',
    more: 'Plus de filtres', apply: 'Appliquer', clear: 'Effacer les filtres', results: 'Changements', detail: 'Détail du changement', none: 'Aucun changement ne correspond à ces filtres.',
    noHits: 'Aucun pourquoi ne correspond à cette recherche.', pick: 'Choisissez un changement pour le voir en entier.', forWorkflow: 'Workflow : {{name}}',
    exportCsv: 'Exporter en CSV', exportJsonl: 'Exporter en JSONL', diffViewer: 'Avant et après', field: 'Champ', before: 'Avant', after: 'Après',
    changed: 'modifié', noFields: 'Ce changement ne porte aucun champ.', replayEntity: 'Rejouer cette entité', whys: 'Pourquoi',
    noWhys: 'Personne n’a encore dit pourquoi.', addWhy: 'Ajouter un pourquoi', addWhyButton: 'Ajouter', causation: 'Ce qui l’a causé',
    causedBy: 'Fait par {{actor}} ({{type}})', correlation: 'Fait partie de l’opération {{id}}',
  },
  replay: {
    stateTable: 'L’état alors et maintenant', pick: 'Choisir quoi rejouer', workflow: 'Workflow', task: 'Tâche (facultatif)', other: 'Une autre entité (type et identifiant)', show: 'Afficher',
    choose: 'Choisissez un workflow ou une tâche pour voir ses états passés.', noHistory: 'Aucun historique enregistré pour cette entité.',
    title: 'Relecture de « {{name}} »', moment: 'Moment', asOf: 'Tel que le {{when}} (changement {{n}} sur {{total}})',
    then: 'Alors', now: 'Maintenant', differs: 'diffère de maintenant', absent: 'L’entité n’existait pas à ce moment-là.',
  },
};

export default fr;
