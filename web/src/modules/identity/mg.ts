// Identity: Malagasy.
import type en from './en';

const mg: typeof en = {
  nav: { settings: 'Fikirana' },
  palette: { page: { '/settings': 'Fikirana' } },
  auth: {
    tagline: "Ny asanareo, miaraka amin'ny fanovana rehetra sy ny antony.",
    loginTitle: "Hiditra", signupTitle: "Mamorona ny toeram-piasanareo", acceptTitle: "Midira ao amin'ny ekipanao", invitedBy: "Manasa anao hiditra ao amin'ny {{workspace}} i {{who}}.", invitedTo: "Nasaina hiditra ao amin'ny {{workspace}} ianao.",
    login: "Hiditra", signup: "Hisoratra anarana", signOut: "Hivoaka", verify: "Hamarino", createAccount: "Hamorona toeram-piasana", acceptButton: "Hanaiky ny fanasana",
    or: "na", sso: "Fidirana tokana", noAccount: "Vaovao amin'ny Atrium?", haveAccount: "Efa manana kaonty?",
    totpCode: "Kaody fanamarinana", totpHint: "Ny kaody 6 isa avy amin'ny rindranasa fanamarinanao, na kaody famonjena.",
    passwordHint: "Litera 10 farafahakeliny; aza mampiasa tenimiafina fahita matetika.",
    integrationAccepted: "Ho an'ny fampifandraisana ity fanasana ity: lakile API ihany no ampiasainy, tsy misy fidirana.",
  },
  roles: { owner: "Tompony", admin: "Mpitantana", member: "Mpikambana", viewer: "Mpijery", integration: "Fampifandraisana" },
  settings: {
    title: "Fikirana", tab: { organization: "Fikambanana", members: "Mpikambana", 'api-keys': "Lakile API", security: "Fanamarinana roa sosona", preferences: "Safidy manokana" },
    language: "Fiteny", theme: "Endrika", themes: { dark: "Maizina", light: "Mazava", system: "Araka ny fitaovako" },
    lowBandwidth: "Fomba tambajotra malemy", lowBandwidthHint: "Tsy misy manjavozavo, sary mihetsika, endri-tsoratra avy amin'ny tranonkala na sary; havaozina amin'ny fanontaniana tsindraindray, miadana rehefa tsy misy miova.",
    plan: "Tolotra: {{plan}}", created: "noforonina {{when}}", yourRole: "ny andraikitrao: {{role}}", you: "ianao", roleOf: "Andraikitr'i {{name}}",
    remove: "Esory", removeTitle: "Esory ao amin'ny toeram-piasana i {{name}}", invitations: "Fanasana", invite: "Asao",
    inviteSent: "Nalefa tamin'ny mailaka ho an'i {{email}} ny fanasana.", inviteLink: "Tsy misy mailaka voakirakira: alefaso ho an'i {{email}} ity rohy ity. Indray mandeha ihany no hasehoana azy.",
    noInvitations: "Tsy misy fanasana.", revoke: "Foano", expires: "lany daty {{when}}",
  },
  keys: {
    create: "Lakile API vaovao", createButton: "Mamorona lakile", expiresInDays: "Lany daty aorian'ny (andro)", never: "Tsy lany daty", scopes: "Fahefana",
    scope: { read: "Famakiana", write: "Fanoratana", admin: "Fitantanana" },
    onceTitle: "Adikao izao ity lakile ity.", onceBody: "Indray mandeha ihany no hasehoana azy; dian-tanany ihany no tehirizin'ny Atrium.", done: "Efa nadikako",
    none: "Mbola tsy misy lakile API.", lastUsed: "nampiasaina farany {{when}}", neverUsed: "mbola tsy nampiasaina", revoked: "Nofoanana", revokedToast: "Nofoanana ny lakile.",
  },
  security: {
    title: "Fanamarinana roa sosona", on: "Mandeha ny fanamarinana roa sosona.", off: "Tsy mandeha ny fanamarinana roa sosona. Alefaso mba hiarovana ireo hetsika saro-pady.",
    enable: "Alefaso ny fanamarinana roa sosona", scan: "Skanea amin'ny rindranasa fanamarinanao ity kaody QR ity, na soraty ny kaody miafina, ary ampidiro ny kaody asehony.",
    showQr: "Asehoy ny kaody QR", qrAlt: "Kaody QR ho an'ny rindranasa fanamarinanao", secret: "Kaody miafina", confirm: "Hamafiso",
    codesTitle: "Ireo kaody famonjena anao.", codesBody: "Tehirizo any amin'ny toerana azo antoka: indray mandeha ihany no mandeha ny tsirairay raha very ny findainao. Izao ihany no hasehoana azy.",
    disableCode: "Kaody ankehitriny na kaody famonjena", disable: "Ajanony ny fanamarinana roa sosona",
  },
};

export default mg;
