// Work (Pulse, workflows, tasks, departments): English.
// The reference for fr.ts and mg.ts beside it (same keys, same {{placeholders}}: i18n.test.ts
// checks). Merged at start with the shared strings (web/src/i18n) and the other modules'; a key is
// defined in one place only.
const en = {
  nav: { pulse: 'Pulse', workflows: 'Workflows', tasks: 'Tasks', canvas: 'Departments' },
  palette: { page: { '/': 'Pulse', '/workflows': 'Workflows', '/tasks': 'Tasks', '/canvas': 'Departments' } },
  pulse: {
    title: 'Pulse', healthCounts: 'Workflow health', workflows: 'Workflows', feed: 'Live activity', blocked: 'Blocked tasks', overdue: 'Overdue tasks',
    workload: 'Workload per member', open: 'Open', overdueShort: 'Overdue', blockedShort: 'Blocked', load: 'Load',
    noActivity: 'No activity yet.', noWorkflows: 'No workflows yet.', noBlocked: 'Nothing is blocked.', noOverdue: 'Nothing is overdue.',
    seeAll: 'See all', department: 'Department: {{name}}', clearDepartment: 'Show all departments', unassigned: '{{n}} open tasks have nobody assigned.',
    "pendingApprovals": "Pending approvals: {{n}}",
  },
  tasks: {
    blockedTitle: 'Blocked tasks', overdueTitle: 'Overdue tasks', overdueWeekTitle: 'Overdue tasks this week', filters: 'Task filters',
    blockedTab: 'Blocked', overdueTab: 'Overdue', overdueWeekTab: 'Overdue this week', weekRange: 'Due between {{start}} and {{end}}',
  },
  workflows: {
    title: 'Workflows', new: 'New workflow', newTitle: 'New workflow', filters: 'Workflow filters', active: 'Active', archived: 'Archived',
    sortBy: 'Sort by', sortUpdated: 'Recently updated', sortName: 'Name', sortStatus: 'Status', sortOwner: 'Owner',
    none: 'No workflows match these filters.', progress: '{{done}}/{{total}} done', progressLabel: 'Progress', exportCsv: 'Export CSV',
    templates: 'Templates', preview: 'Tasks in this template', taskCount: '{{n}} tasks', dayN: 'day {{n}}', andMore: '… and {{n}} more',
    untitled: 'Untitled workflow', blank: 'A blank workflow (no tasks yet).', fromTemplate: 'From the template “{{name}}”.',
    startBlank: 'Start blank instead', create: 'Create workflow', templateDepartment: 'As in the template ({{name}})',
  },
  workflow: {
    updated: 'updated {{when}}', template: 'template {{id}} {{version}}', reasons: 'Why this health', clone: 'Clone', archive: 'Archive',
    restore: 'Restore', auditLog: 'Audit log', views: 'Views', view: { list: 'List', board: 'Board', history: 'History' },
    copyName: '{{name}} (copy)', noTasks: 'No tasks yet.', newTask: 'New task name', addTask: 'Add task', board: 'Board by status',
    tasksCaption: 'Tasks in order', order: 'Order', moveUp: 'Move “{{name}}” up', moveDown: 'Move “{{name}}” down',
    statusOf: 'Status of “{{name}}”', assigneeOf: 'Assignee of “{{name}}”', dueOf: 'Due date of “{{name}}”', priorityOf: 'Priority of “{{name}}”',
    archiveTitle: 'Archive “{{name}}”', archiveBody: 'Archiving needs a why. You can restore the workflow later.',
  },
  canvas: {
    title: 'Departments', hint: 'Each department with its health. Choose one to see its Pulse.',
    workflows_one: '{{n}} workflow', workflows_other: '{{n}} workflows', handoffs_one: '{{n}} handoff', handoffs_other: '{{n}} handoffs', none: 'No workflows yet', arrows: 'Arrows are handoffs: workflows one department started from another’s.', list: 'All departments', handoffsTitle: 'Handoffs',
    nodeHelp: 'Press Enter to select; use the list below to open a department.',
  },
};

export default en;
