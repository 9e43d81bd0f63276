// Ledger (audit log, replay): English.
// The reference for fr.ts and mg.ts beside it (same keys, same {{placeholders}}: i18n.test.ts
// checks). Merged at start with the shared strings (web/src/i18n) and the other modules'; a key is
// defined in one place only.
const en = {
  nav: { audit: 'Audit log' },
  palette: { page: { '/audit': 'Audit log' } },
  audit: {
    title: 'Audit log', logTab: 'Log', replayTab: 'Replay', filters: 'Audit filters', searchWhys: 'Search the whys', since: 'From', until: 'To',
    more: 'More filters', apply: 'Apply', clear: 'Clear filters', results: 'Changes', detail: 'Change detail', none: 'No changes match these filters.',
    noHits: 'No why matches this search.', pick: 'Choose a change to see it in full.', forWorkflow: 'Workflow: {{name}}',
    exportCsv: 'Export CSV', exportJsonl: 'Export JSONL', diffViewer: 'Before and after', field: 'Field', before: 'Before', after: 'After',
    changed: 'changed', noFields: 'This change carries no fields.', replayEntity: 'Replay this entity', whys: 'Whys',
    noWhys: 'Nobody has said why yet.', addWhy: 'Add a why', addWhyButton: 'Add why', causation: 'What caused it',
    causedBy: 'Made by {{actor}} ({{type}})', correlation: 'Part of operation {{id}}',
  },
  replay: {
    stateTable: 'The state then and now', pick: 'Choose what to replay', workflow: 'Workflow', task: 'Task (optional)', other: 'Another entity (type and id)', show: 'Show',
    choose: 'Choose a workflow or a task to see its past states.', noHistory: 'No recorded history for this entity.',
    title: 'Replay of “{{name}}”', moment: 'Moment in time', asOf: 'As it was on {{when}} (change {{n}} of {{total}})',
    then: 'Then', now: 'Now', differs: 'differs from now', absent: 'The entity did not exist at that moment.',
  },
};

export default en;
