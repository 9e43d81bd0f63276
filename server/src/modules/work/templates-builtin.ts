// Built-in workflow templates (the COREos/Flow OS "operations department in a box").
// Due dates are relative: `day` is the number of days after the workflow's start date.
export type TemplateTask = { name: string; description: string; day: number; priority: 'low' | 'normal' | 'high' | 'urgent'; tags?: string[] };
export type Template = { id: string; name: string; description: string; department: string; version: string; builtin: boolean; tasks: TemplateTask[] };

const t = (name: string, day: number, description: string, priority: TemplateTask['priority'] = 'normal', tags?: string[]): TemplateTask => ({ name, day, description, priority, ...(tags ? { tags } : {}) });

export const BUILTIN_TEMPLATES: readonly Template[] = [
  {
    id: 'tpl_client_onboarding', name: 'Client onboarding', department: 'ops', version: '1.2.0', builtin: true,
    description: 'From signed contract to a first delivered result: access, kickoff, plan and a 30-day review.',
    tasks: [
      t('Send welcome pack and contract copy', 0, 'Welcome email with the signed contract, who-is-who and how to reach us.', 'high'),
      t('Create client workspace and folders', 1, 'Shared drive, project space, naming conventions.'),
      t('Collect access and credentials', 2, 'Analytics, ad accounts, CMS, social — through the password manager, never by email.', 'high', ['access']),
      t('Hold kickoff meeting', 3, 'Goals, success metrics, stakeholders, cadence; record decisions.', 'high', ['meeting']),
      t('Write the 90-day plan', 7, 'Deliverables, owners and dates agreed at kickoff.'),
      t('Set up reporting dashboard', 10, 'Baseline metrics captured before work starts.'),
      t('Deliver first quick win', 14, 'One visible improvement in the first two weeks.'),
      t('30-day check-in', 30, 'Review satisfaction, adjust the plan, note risks.', 'normal', ['meeting']),
    ],
  },
  {
    id: 'tpl_project_kickoff', name: 'Project kickoff', department: 'ops', version: '1.1.0', builtin: true,
    description: 'Frame a new project: scope, team, risks and the first sprint.',
    tasks: [
      t('Confirm scope and budget', 0, 'Written scope, exclusions, budget and approval.', 'high'),
      t('Name the team and roles', 1, 'RACI for the project.'),
      t('Risk and dependency review', 2, 'Top risks with owners and mitigations.'),
      t('Kickoff meeting', 3, 'Align on goals, timeline and ways of working.', 'high', ['meeting']),
      t('Plan sprint 1', 4, 'Backlog ready, estimates, sprint goal.'),
      t('Share project charter', 5, 'One page everyone can point to.'),
    ],
  },
  {
    id: 'tpl_content_production', name: 'Content production', department: 'creative', version: '1.0.3', builtin: true,
    description: 'One piece of content from brief to published and promoted.',
    tasks: [
      t('Write the brief', 0, 'Audience, goal, key message, format, call to action.'),
      t('Research and outline', 2, 'Sources, angle, outline approved by the editor.'),
      t('First draft', 5, 'Complete draft with placeholders for visuals.'),
      t('Design visuals', 6, 'Images, charts, thumbnails in brand style.'),
      t('Edit and fact-check', 8, 'Copy edit, check every claim and link.', 'high'),
      t('Client approval', 10, 'Send for approval with a clear deadline.', 'high', ['approval']),
      t('Publish', 11, 'Schedule with SEO metadata.'),
      t('Promote on channels', 12, 'Newsletter and social posts.'),
    ],
  },
  {
    id: 'tpl_monthly_reporting', name: 'Monthly client reporting', department: 'ops', version: '2.0.0', builtin: true,
    description: 'The monthly report: collect data, analyse, explain, send and discuss.',
    tasks: [
      t('Export the month’s data', 1, 'All sources for the calendar month.'),
      t('Check data quality', 2, 'Gaps, tracking breaks, anomalies explained.'),
      t('Write insights and recommendations', 3, 'What happened, why, and what we do next.', 'high'),
      t('Internal review', 4, 'A second pair of eyes on numbers and tone.'),
      t('Send report to client', 5, 'With a short summary in the email body.', 'high'),
      t('Review call with client', 8, 'Walk through and agree next month’s priorities.', 'normal', ['meeting']),
    ],
  },
  {
    id: 'tpl_sales_to_ops_handoff', name: 'Sales-to-ops handoff', department: 'sales', version: '1.0.1', builtin: true,
    description: 'Deal won → operations ready: nothing promised in sales gets lost.',
    tasks: [
      t('Record what was sold and promised', 0, 'Scope, price, promises, special terms, from the CRM and proposal.', 'high'),
      t('Internal handoff meeting', 1, 'Sales briefs the delivery lead; questions answered.', 'high', ['meeting']),
      t('Create the client record in operations', 1, 'Contacts, billing details, contract dates.'),
      t('Raise the first invoice', 2, 'Per contract terms.'),
      t('Start client onboarding workflow', 2, 'Launch onboarding in ops with the handoff notes.', 'high', ['handoff']),
    ],
  },
  {
    id: 'tpl_employee_onboarding', name: 'Employee onboarding', department: 'hr', version: '1.3.0', builtin: true,
    description: 'A new colleague productive and welcome in the first month.',
    tasks: [
      t('Prepare contract and paperwork', -5, 'Contract, tax and social security forms.', 'high'),
      t('Order equipment and accounts', -3, 'Laptop, email, tools, access rights.', 'high'),
      t('Welcome on day one', 0, 'Tour, team lunch, buddy introduced.'),
      t('Security and tools training', 1, 'Password manager, 2FA, data handling.'),
      t('First-week goals', 2, 'Three concrete goals with the manager.'),
      t('30-day review', 30, 'Feedback both ways; adjust the plan.', 'normal', ['meeting']),
      t('End of probation review', 90, 'Decision and written feedback.', 'high'),
    ],
  },
  {
    id: 'tpl_incident_response', name: 'Incident response', department: 'ops', version: '1.1.0', builtin: true,
    description: 'Contain, fix, communicate and learn from an incident.',
    tasks: [
      t('Triage and assign an incident lead', 0, 'Severity, impact, who leads.', 'urgent', ['incident']),
      t('Contain the impact', 0, 'Stop the bleeding before the root cause.', 'urgent', ['incident']),
      t('Inform affected clients', 0, 'What happened, what we do, next update time.', 'high'),
      t('Fix the root cause', 1, 'Permanent fix, verified.', 'high'),
      t('Post-incident review', 3, 'Blameless timeline, causes, actions with owners.'),
      t('Close actions from the review', 14, 'Every action done or consciously dropped.'),
    ],
  },
  {
    id: 'tpl_campaign_launch', name: 'Campaign launch', department: 'creative', version: '1.0.0', builtin: true,
    description: 'A marketing campaign from plan to post-launch results.',
    tasks: [
      t('Campaign plan and budget', 0, 'Objective, audience, channels, budget, KPIs.', 'high'),
      t('Creative concepts', 4, 'Two or three concepts for approval.'),
      t('Produce assets', 9, 'All formats per channel.'),
      t('Set up tracking', 10, 'UTMs, conversion events, dashboards.', 'high'),
      t('Client sign-off', 11, 'Final approval of assets and targeting.', 'high', ['approval']),
      t('Launch', 12, 'Go live on every channel; check delivery.', 'urgent'),
      t('Optimise after 72 hours', 15, 'Shift budget to what works.'),
      t('Results report', 30, 'Outcomes against KPIs and lessons.'),
    ],
  },
  {
    id: 'tpl_quarterly_business_review', name: 'Quarterly business review', department: 'sales', version: '1.0.2', builtin: true,
    description: 'Show the value delivered this quarter and agree the next one.',
    tasks: [
      t('Gather quarter results', 0, 'KPIs, deliverables, ROI evidence.'),
      t('Draft the QBR deck', 3, 'Value delivered, lessons, proposals.'),
      t('Internal rehearsal', 5, 'Anticipate hard questions.'),
      t('Hold the QBR', 7, 'With the client’s decision makers.', 'high', ['meeting']),
      t('Send summary and next-quarter plan', 8, 'Decisions and owners in writing.'),
      t('Log renewal or upsell opportunities', 9, 'Into the pipeline with next steps.'),
    ],
  },
  {
    id: 'tpl_client_offboarding', name: 'Client offboarding', department: 'ops', version: '1.0.0', builtin: true,
    description: 'End a client relationship cleanly and keep the door open.',
    tasks: [
      t('Confirm end date and final scope', 0, 'In writing, with what is still owed.', 'high'),
      t('Hand over files and documentation', 5, 'Everything the client owns, in an agreed format.'),
      t('Revoke and return access', 6, 'Remove our access; return credentials.', 'high', ['access']),
      t('Send final invoice', 7, 'And confirm payment terms.'),
      t('Exit interview', 10, 'What we did well, what we should change.', 'normal', ['meeting']),
      t('Archive the workspace', 14, 'Retention per contract and the law.'),
    ],
  },
  {
    id: 'tpl_knowledge_base_update', name: 'Knowledge base update', department: 'knowledge', version: '1.0.0', builtin: true,
    description: 'Turn what the team learned this month into searchable knowledge.',
    tasks: [
      t('Collect lessons and recurring questions', 0, 'From tickets, reviews and chats.'),
      t('Write or update articles', 5, 'One article per question, with examples.'),
      t('Peer review', 7, 'Accuracy and clarity.'),
      t('Publish and announce', 8, 'Tell the team what changed.'),
    ],
  },
  {
    id: 'tpl_month_end_close', name: 'Month-end close', department: 'finance', version: '1.0.0', builtin: true,
    description: 'Close the books: invoices, expenses, reconciliations, reporting.',
    tasks: [
      t('Send all invoices for the month', 0, 'Including time-and-materials work.', 'high'),
      t('Collect expense receipts', 2, 'From everyone, categorised.'),
      t('Reconcile bank accounts', 4, 'Every transaction matched.', 'high'),
      t('Chase overdue receivables', 5, 'Polite reminders, then calls.'),
      t('Management accounts', 7, 'P&L, cash and forecast to the owners.'),
    ],
  },
];
