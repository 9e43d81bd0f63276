// Orchestration: Malagasy. "Fizotra" (flows) tsy mitovy amin'ny "Fizotran'asa" (workflows).
import type en from './en';

const mg: typeof en = {
  nav: { flows: 'Fizotra', runs: 'Fandehanana' },
  palette: { page: { '/flows': 'Fizotra', '/runs': 'Fandehanana' } },
  flows: {
    title: 'Fizotra', new: 'Fizotra vaovao', hint: "Asa mandeha ho azy, voalamina ho dingana mifandray: baiko, antso HTTP, fangatahana amin'ny LLM, fankatoavana, fiandrasana.",
    filters: "Sivana ny fizotra", search: "Hitady araka ny anarana na ny lakile", none: "Mbola tsy misy fizotra.", noMatch: "Tsy misy fizotra mifanaraka amin'io fikarohana io.",
    runsCol: 'Fandehanana', lastRun: 'Fandehanana farany', runCount: 'fandehanana {{n}}', failedCount: '{{n}} tsy nahomby',
  },
  flowStatus: { active: 'Mandeha', paused: 'Miato', archived: 'Voaarisiva' },
  runStatus: {
    queued: 'Miandry anjara', running: 'Mandeha', waiting: 'Miandry', compensating: 'Am-panafoanana', completed: 'Vita', failed: 'Tsy nahomby',
    compensated: 'Voafoana', compensation_failed: 'Tsy voafoana', cancelled: 'Najanona',
  },
  stepStatus: { completed: 'Vita', failed: 'Tsy nahomby', skipped: 'Nodinganina', waiting: 'Miandry', compensated: 'Voafoana', compensation_failed: 'Tsy voafoana' },
  trigger: { api: "Avy amin'ny API", rule: 'Fitsipika', schedule: 'Fandaharam-potoana', event: 'Zava-nitranga', sub_flow: 'Fizotra reny', replay: 'Famerenana', fork: 'Sampanana', cli: 'Baiko an-tsoratra' },
  waitKind: { event: 'zava-mitranga', approval: 'fankatoavana', child: 'fizotra zanany', timer: 'fotoana voafetra' },
  runs: {
    title: 'Fandehanana', none: 'Mbola tsy nisy fandehanana.', run: 'Fandehanana', flow: 'Fizotra', trigger: "Natombok'i", started: 'Nanomboka',
    filters: 'Sivana ny fandehanana', flowKey: "Lakilen'ny fizotra",
  },
  flow: {
    nodeHelp: "Dingana iray amin'ny fizotra; mitovy ihany ny voalaza ao amin'ny lisitry ny dingana sy ny diary etsy ambany.", steps: 'Dingana', after: 'aorian\'ny {{steps}}',
    problems: 'Olana hita: {{n}}', valid: 'Mety tsara ny famaritana.', validate: 'Hamarino', notJson: 'Tsy JSON mety ny famaritana.',
    inputInvalid: 'Tokony ho zavatra JSON ny fampidirana, ohatra {"name": "Ada"}.', updated: 'novaina {{when}}', back: 'Ny fizotra rehetra',
    pause: 'Ajanony vetivety', resume: 'Tohizo', graph: 'Sarin-dingana', noSteps: 'Tsy misy dingana ity fizotra ity.', startTitle: 'Hanomboka fandehanana',
    input: 'Fampidirana (JSON)', start: 'Alefaso', pausedHint: 'Miato ny fizotra: tohizo aloha vao afaka mandefa.', definition: 'Famaritana',
    definitionLabel: 'Famaritana (JSON na YAML)', bump: 'Dikan-teny manaraka', publish: 'Avoahy ny dikan-teny vaovao',
    recentRuns: 'Fandehanana farany', allRuns: 'Jereo ny fandehanana rehetra', versions: 'Dikan-teny',
  },
  newFlow: {
    title: 'Fizotra vaovao', definition: 'Famaritana', create: 'Mamorona ny fizotra',
    formatHint: "JSON na YAML. Ny lakile no anaran'ny fizotra ao amin'ny adiresy; tsy azo ovaina intsony avy eo.",
    gallery: 'Modely', galleryHint: "Misafidiana fanombohana iray: ho feno ilay fanoratana etsy ambany, ary azonao ovaina daholo.",
    use: 'Ampiasao ity modely ity', useNamed: 'Ampiasao ity modely ity: {{name}}', inEditor: "Ao amin'ny fanoratana", stepCount: 'Dingana: {{n}}',
    filled: "Ao amin'ny fanoratana ny “{{name}}”.",
    tpl: {
      'client-onboarding': { name: 'Fanombohana ny fandraisana mpanjifa', description: "Mpitantana iray no mankato ny fanombohana, avy eo dia foronina ao amin'ny fizotran'asan'ny mpanjifa ireo asa fandraisana." },
      'overdue-escalation': { name: 'Fampiakarana ireo asa tara', description: "Rehefa voasakana ny asa iray na miemotra ny daty farany, lazaina ny mpitantana; raha mbola voasakana izy roa andro aty aoriana, lazaina koa ny tompony." },
      'weekly-report': { name: "Tatitra isan-kerinandro ataon'ny LLM", description: "Isaky ny alatsinainy amin'ny 9 ora, manoratra tatitra fohy ny modely ary ampandrenesina ny ekipa." },
      'webhook-task': { name: 'Webhook → asa', description: "Antso amin'ny API (taratasy fenoina, fitaovana hafa) no mamorona asa ao amin'ny fizotran'asa iray avy amin'ny lohateniny." },
      'invoice-chase': { name: 'Fanarahana faktiora', description: "Miandry ny fandoavana herinandro, mandefa fampahatsiahivana, miandry herinandro indray, avy eo mampandre ny mpitantana." },
      'content-review': { name: "Fanamarinana votoaty ataon'olona roa", description: "Mpikambana roa no mankato alohan'ny famoahana; tsy afaka mankato ilay nangataka." },
      'lead-follow-up': { name: 'Fanarahana mpanjifa mety ho azo', description: "Fampahatsiahivana amin'ny andro 0, 2 ary 7; ampahafantarina mpitantana koa ny mpanjifa lehibe." },
      'data-import': { name: 'Fampidirana angona azo foanana', description: "Raketina tsirairay ny andalana; raha tsy mahomby ny fampidirana, foanana ilay andiany amin'ny zava-nitranga fanonerana." },
    },
  },
  run: {
    title: 'Fandehanana {{id}}', branch: 'sampana {{branch}}', attempt: 'andrana {{n}}', retryAt: 'andrana manaraka {{when}}',
    input: 'Fampidirana', output: 'Vokatra', error: 'Hadisoana', why: 'Antony (tsy voatery)', approve: 'Ankatoavina', reject: 'Lavina',
    approved: 'Voarakitra ny fankatoavana.', rejected: 'Voarakitra ny fandavana.', startedAt: 'nanomboka {{when}}', finishedAt: 'vita {{when}}',
    live: 'Havaozina mivantana', compensate: 'Foano ireo dingana efa vita', cancel: 'Ajanony ny fandehanana', errorTitle: 'Inona no tsy nety',
    failedStep: 'Tsy nahomby ny dingana “{{step}}” (isan\'ny andrana: {{n}}).', replay: 'Avereno', fork: 'Sampaho manomboka amin\'ny “{{step}}”',
    approvals: 'Miandry fanapahan-kevitra', readOnly: 'Hitanao ity fankatoavana ity fa tsy afaka manapa-kevitra ianao.', waits: "Izay andrasan'ny fandehanana",
    waitsFor: 'Miandry {{kind}} ny “{{step}}”', timeline: 'Diary', noSteps: 'Mbola tsy nisy dingana nandeha.', io: 'Fampidirana sy vokatra',
  },
  editor: {
    palette: 'Karazana dingana', add: 'Hanampy dingana:', addAfter: 'Hanampy aorian’i “{{id}}”:', addType: 'Hanampy dingana: {{type}}',
    added: 'Nampiana ny dingana “{{id}}”.', deleted: 'Voafafa ny dingana “{{id}}”.', pick: 'Dingana voafidy', stepForm: 'Fandrindrana ny dingana',
    noSelection: 'Mifidiana dingana ao amin’ny sary (tsindrio, na Enter eo aminy) hanovana ny fandrindrana azy.',
    stepTitle: 'Dingana {{id}} · {{type}}', delete: 'Fafao ny dingana', deleteEdge: 'Fafao ny fifandraisana {{edge}}', format: 'Endriky ny lahatsoratra',
    commaHint: 'Sarahana amin’ny faingo.', notNumber: 'Ampidiro isa feno.', notJson: 'Tsy JSON marina mbola: ny sanda marina farany no tazonina.',
    parseError: 'Tsy azo vakiana ny {{format}} ({{message}}): ny dikan-teny marina farany no asehon’ny sary.',
    type: {
      command: 'Baiko', http: 'Antso HTTP', llm: 'Fangatahana LLM', task: 'Asa', approval: 'Fankatoavana', wait: 'Fiandrasana', condition: 'Fepetra',
      switch: 'Fizarana', parallel: 'Miaraka', for_each: 'Isaky ny singa', sub_flow: 'Fizotra zanany', transform: 'Fanovana',
    },
    field: {
      id: 'Famantarana ny dingana', name: 'Anaran’ny dingana', command: 'Anaran’ny baiko', input: 'Fampidirana ho an’ny baiko (JSON)', method: 'Fomba', url: 'Adiresy (URL)', body: 'Votoaty (JSON)',
      alias: 'Solon’anaran’ny modely', prompt: 'Fangatahana', workflow_id: 'Famantarana ny workflow', assignee_id: 'Famantarana ny tompon’andraikitra', due_date: 'Daty farany', title: 'Lohatenin’ny fankatoavana',
      approvers: 'Mpankato', required: 'Fankatoavana ilaina', exclude_starter: 'Tsy afaka mankato ilay nanomboka ny fandehanana',
      seconds: 'Fiandrasana (segondra)', until: 'Miandry mandra-pahatongan’ny (fomba fiteny)', event_namespace: 'Sokajin’ny tranga', event_event: 'Anaran’ny tranga',
      if: 'Fepetra (fomba fiteny)', value: 'Sanda', cases: 'Tranga', items: 'Singa (fomba fiteny)', limit: 'Fetran’ny singa', flow: 'Lakilen’ny fizotra',
      after: 'Aorian’ny dingana (id na id:sampana)', retry_max_attempts: 'Fanandramana farafahabetsany', timeout_seconds: 'Fe-potoana (segondra)',
    },
  },
  errors: {
    INVALID_FLOW: "Misy olana ny famaritana ny fizotra.", FLOW_PAUSED: 'Miato ity fizotra ity: tohizo aloha vao afaka mandefa.',
    FLOW_ARCHIVED: 'Voaarisiva ity fizotra ity.', FLOW_KEY_TAKEN: 'Efa misy fizotra hafa mampiasa io lakile io.',
    VERSION_EXISTS: 'Efa misy io dikan-teny io: misafidiana dikan-teny ambony kokoa.', RUN_FINISHED: 'Efa vita ity fandehanana ity.',
    RUN_NOT_FINISHED: 'Mbola tsy vita ity fandehanana ity.', ALREADY_DECIDED: 'Efa nanapa-kevitra momba ity dingana ity ianao.',
    STARTER_EXCLUDED: "Tsy afaka manapa-kevitra amin'ity dingana ity ilay nanomboka ny fandehanana.", JOURNAL_PRUNED: "Tsy voatahiry intsony ny diarin'ity fandehanana ity.",
  },
};

export default mg;
