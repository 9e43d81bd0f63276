// Mpiasa AI sy boaty fandraisana: teny malagasy.
import type en from './en';

const mg: typeof en = {
  nav: { agents: 'Mpiasa AI', myDay: 'Ny androko' },
  palette: { page: { '/agents': 'Mpiasa AI', '/my-day': 'Ny androko' } },
  agents: {
    title: 'Mpiasa AI', hint: 'Mpiara-miasa AI mifoha tsy tapaka, mitady asa ary manolotra fanovana ho ankatoavinao.',
    gallery: 'Galeria', enable: 'Alefa', enabled: 'Mandeha', enabledToast: 'Mandeha i {{name}}.', slot: 'Ho avy miaraka amin’ny môdely sanda',
    roster: 'Ireo mpiasa AI anao', none: 'Mbola tsy misy mpiasa AI: alefaso ny iray avy ao amin’ny galeria.', name: 'Mpiasa AI', status: 'Toe-javatra', lastBeat: 'Fifohazana farany',
    nextBeat: 'Fifohazana manaraka', budget: 'Teti-bola lany', waiting: 'Tolo-kevitra miandry', never: 'mbola tsy nisy', noBudget: 'tsy misy fetra',
    wake: 'Fohazy izao', waking: 'Mamoha…', every: 'isaky ny {{n}} minitra', open: 'Sokafy',
    outcome: {
      slept: 'Tsy misy atao — tsy nisy niantsoana ny modely.', working: 'Miasa…', paused: 'Mijanona: tsy mifoha izy.', over_budget: 'Lany ny teti-bola: mijanona mandra-piakatry ny teti-bola.',
      busy: 'Efa miasa izy.', worked: 'Vita ny asa: misy tolo-kevitra miandry.', seeRun: 'Jereo ny fandehanana',
    },
    statusName: { idle: 'Tsy miasa', error: 'Misy olana', active: 'Mavitrika', sleeping: 'Matory', working: 'Miasa', paused: 'Mijanona', over_budget: 'Lany teti-bola', archived: 'Voatahiry' },
  },
  agent: {
    back: 'Ireo mpiasa AI rehetra', tabs: 'Fizarana momba ny mpiasa AI',
    tab: { overview: 'Topi-maso', persona: 'Toetra sy torolalana', tools: 'Fitaovana', memory: 'Fitadidiana', log: 'Diarin’ny andro', dialogue: 'Resaka', runs: 'Fandehanana', costs: 'Fandaniana' },
    lastOutcome: 'Vokatra farany', heartbeat: 'Fotoam-pifohazana', version: 'dikan-teny {{n}}',
    persona: 'Toetra (markdown)', manual: 'Torolalana (markdown)', save: 'Tehirizo ho dikan-teny vaovao', saved: 'Voatahiry: dikan-teny {{n}}.', versions: 'Dikan-teny',
    versionBy: 'dikan-teny {{n}} · {{when}}',
    mode: { direct: 'Manao mivantana', approval: 'Mangataka fankatoavana' }, modeLabel: 'Fomba fiasan’i {{command}}', remove: 'Esory',
    addTool: 'Hanampy fitaovana', pickTool: 'Baiko', add: 'Ampio', notAllowed: 'Tsy afaka mampiasa io baiko io ianao, ka tsy afaka manome azy.', noTools: 'Mbola tsy misy fitaovana.',
    working: 'Fitadidiana miasa', facts: 'Zava-misy', contradicted: 'Zava-misy mifanohitra', search: 'Hikaroka ao amin’ny fitadidiana', noMemory: 'Tsy misy na inona na inona eto.',
    confidence: 'fahatokisana {{n}} %', edit: 'Ovay', forget: 'Hadino', editTitle: 'Ovay ny “{{key}}”', forgetTitle: 'Hadino ny “{{key}}”',
    forgetBody: 'Tsy ampiasain’ny mpiasa AI intsony io zava-misy io. Tazonin’ny diarin’ny fanaraha-maso izy ka azo averina.', value: 'Sanda', conflict: 'Mifanohitra',
    editBody: 'Tehirizina miaraka amin’ny antony ny fanitsiana; ampiasain’ny mpiasa AI manomboka amin’ny fifohazany manaraka.',
    day: 'Andro', noLog: 'Tsy nisy voasoratra tamin’io andro io.',
    noMessages: 'Mbola tsy misy hafatra.', message: 'Handefa hafatra amin’ny mpiasa AI', send: 'Alefaso', sent: 'Lasa: mifoha hamaky azy ny mpiasa AI.', fromYou: 'Ianao',
    noRuns: 'Mbola tsy nisy fandehanana.',
    tokens: 'Token isam-bolana', usd: 'Fandaniana isam-bolana (USD)', budgetHint: 'Foana: tsy misy fetra. 0 dia mampijanona ny mpiasa AI.', saveBudget: 'Tehirizo ny teti-bola',
    used: 'Token {{tokens}}, ${{usd}} lany tamin’ity volana ity', budgetSaved: 'Voatahiry ny teti-bola.',
  },
  inbox: {
    title: 'Boaty fandraisana', hint: 'Izay rehetra miandry ny fanapahan-kevitrao, ny maika indrindra aloha.', filters: 'Sivana ny boaty', kind: 'Karazany', agent: 'Mpiasa AI', department: 'Sampana', any: 'Rehetra',
    kinds: { proposal: 'Tolo-kevitry ny mpiasa AI', rule_approval: 'Notanan’ny fitsipika', flow_step: 'Dingana fizotra', budget: 'Teti-bola', memory: 'Fifanoherana fitadidiana' },
    none: 'Tsy misy miandry anao.', select: 'Safidio ny “{{title}}”', selectAll: 'Safidio daholo', selected: '{{n}} voafidy',
    approveSelected: 'Ankatoavy ny voafidy ({{n}})', rejectSelected: 'Lavo ny voafidy ({{n}})', batchTitle: '{{decision}}: singa {{n}}',
    why: 'Antony', whyHint: 'Tehirizina miaraka amin’ny fanapahan-kevitra tsirairay ao amin’ny diarin’ny fanaraha-maso.', whyRequired: 'Lazao ny antony.', result: '{{ok}} vita, {{failed}} tsy vita.',
    keys: 'Kitendry: j / k mifindra · a ankatoavy · e ovay · r lavo · x safidio', pickOne: 'Misafidiana singa iray hijerena azy eto.',
    by: 'avy amin’i {{agent}}', reviews: 'Fandinihana', praise: 'Ankasitrahana', refute: 'Fandavana', noReviews: 'Tsy nodinihina.', input: 'Izay hataony (JSON, azo ovaina)',
    edited: 'Novaina: ankatoavina ny fanitsianao ary ianaran’ny mpiasa AI.', inputInvalid: 'Tokony ho zavatra JSON ny fampidirana.', reset: 'Foano ny fanovako',
    approve: 'Ankatoavy', reject: 'Lavo', rejectReason: 'Antony handavana', approved: 'Nankatoavina.', rejected: 'Nolavina.', stale: 'Niova ilay zavatra hatramin’izay: {{current}} izao.',
    openLink: 'Sokafy', known: 'Fantatra', newValue: 'Vaovao', decidedHistory: 'Fankatoavana fitsipika efa voaraikitra',
  },
  myDay: { title: 'Ny androko', hint: 'Ireo asanao mbola misokatra, voalahatra araka ny fe-potoana, ny laharam-pahamehana ary ny fahasakanana.', none: 'Tsy misy asa misokatra ho anao anio.', score: 'isa {{n}}' },
};
export default mg;
