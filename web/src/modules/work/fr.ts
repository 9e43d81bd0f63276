// Work: French.
import type en from './en';

const fr: typeof en = {
  nav: { pulse: 'Pouls', workflows: 'Workflows', tasks: 'Tâches', canvas: 'Départements' },
  palette: { page: { '/': 'Pouls', '/workflows': 'Workflows', '/tasks': 'Tâches', '/canvas': 'Départements' } },
  pulse: {
    title: 'Pouls', healthCounts: 'Santé des workflows', workflows: 'Workflows', feed: 'Activité en direct', blocked: 'Tâches bloquées', overdue: 'Tâches en retard',
    workload: 'Charge par membre', open: 'Ouvertes', overdueShort: 'En retard', blockedShort: 'Bloquées', load: 'Charge',
    noActivity: 'Aucune activité pour l’instant.', noWorkflows: 'Aucun workflow pour l’instant.', noBlocked: 'Rien n’est bloqué.', noOverdue: 'Rien n’est en retard.',
    seeAll: 'Tout voir', department: 'Département : {{name}}', clearDepartment: 'Voir tous les départements', unassigned: '{{n}} tâches ouvertes n’ont personne d’assigné.',
    "pendingApprovals": "Approbations en attente : {{n}}",
  },
  tasks: {
    blockedTitle: 'Tâches bloquées', overdueTitle: 'Tâches en retard', overdueWeekTitle: 'Tâches en retard cette semaine', filters: 'Filtres des tâches',
    blockedTab: 'Bloquées', overdueTab: 'En retard', overdueWeekTab: 'En retard cette semaine', weekRange: 'Échéance entre le {{start}} et le {{end}}',
  },
  workflows: {
    title: 'Workflows', new: 'Nouveau workflow', newTitle: 'Nouveau workflow', filters: 'Filtres des workflows', active: 'Actifs', archived: 'Archivés',
    sortBy: 'Trier par', sortUpdated: 'Modifiés récemment', sortName: 'Nom', sortStatus: 'Statut', sortOwner: 'Responsable',
    none: 'Aucun workflow ne correspond à ces filtres.', progress: '{{done}}/{{total}} terminées', progressLabel: 'Avancement', exportCsv: 'Exporter en CSV',
    templates: 'Modèles', preview: 'Tâches de ce modèle', taskCount: '{{n}} tâches', dayN: 'jour {{n}}', andMore: '… et {{n}} de plus',
    untitled: 'Workflow sans titre', blank: 'Un workflow vierge (sans tâche pour l’instant).', fromTemplate: 'À partir du modèle « {{name}} ».',
    startBlank: 'Partir de zéro', create: 'Créer le workflow', templateDepartment: 'Comme le modèle ({{name}})',
  },
  workflow: {
    updated: 'modifié {{when}}', template: 'modèle {{id}} {{version}}', reasons: 'Raisons de cette santé', clone: 'Dupliquer', archive: 'Archiver',
    restore: 'Restaurer', auditLog: 'Journal d’audit', views: 'Vues', view: { list: 'Liste', board: 'Tableau', history: 'Historique' },
    copyName: '{{name}} (copie)', noTasks: 'Aucune tâche pour l’instant.', newTask: 'Nom de la nouvelle tâche', addTask: 'Ajouter la tâche', board: 'Tableau par statut',
    tasksCaption: 'Tâches dans l’ordre', order: 'Ordre', moveUp: 'Monter « {{name}} »', moveDown: 'Descendre « {{name}} »',
    statusOf: 'Statut de « {{name}} »', assigneeOf: 'Personne assignée à « {{name}} »', dueOf: 'Échéance de « {{name}} »', priorityOf: 'Priorité de « {{name}} »',
    archiveTitle: 'Archiver « {{name}} »', archiveBody: 'L’archivage demande un pourquoi. Vous pourrez restaurer le workflow plus tard.',
  },
  canvas: {
    title: 'Départements', hint: 'Chaque département avec sa santé. Choisissez-en un pour voir son Pouls.',
    workflows_one: '{{n}} workflow', workflows_other: '{{n}} workflows', handoffs_one: '{{n}} passation', handoffs_other: '{{n}} passations', none: 'Aucun workflow pour l’instant', arrows: 'Les flèches sont des passations : des workflows qu’un département a lancés à partir de ceux d’un autre.', list: 'Tous les départements', handoffsTitle: 'Passations',
    nodeHelp: 'Appuyez sur Entrée pour sélectionner ; utilisez la liste ci-dessous pour ouvrir un département.',
  },
};

export default fr;
