// Identity: French.
import type en from './en';

const fr: typeof en = {
  nav: { settings: 'Paramètres' },
  palette: { page: { '/settings': 'Paramètres' } },
  auth: {
    tagline: 'Vos opérations, avec chaque changement et son pourquoi.',
    loginTitle: 'Connexion', signupTitle: 'Créez votre espace', acceptTitle: 'Rejoignez votre équipe', invitedBy: '{{who}} vous invite à rejoindre {{workspace}}.', invitedTo: 'Vous êtes invité à rejoindre {{workspace}}.',
    login: 'Se connecter', signup: 'Créer un compte', signOut: 'Se déconnecter', verify: 'Vérifier', createAccount: 'Créer l’espace', acceptButton: 'Accepter l’invitation',
    or: 'ou', sso: 'Authentification unique', noAccount: 'Nouveau sur Atrium ?', haveAccount: 'Déjà un compte ?',
    totpCode: 'Code d’authentification', totpHint: 'Le code à 6 chiffres de votre application d’authentification, ou un code de secours.',
    passwordHint: 'Au moins 10 caractères ; évitez les mots de passe courants.',
    integrationAccepted: 'Cette invitation concerne une intégration : elle fonctionne uniquement avec des clés d’API, sans connexion.',
  },
  roles: { owner: 'Propriétaire', admin: 'Administrateur', member: 'Membre', viewer: 'Lecteur', integration: 'Intégration' },
  settings: {
    title: 'Paramètres', tab: { organization: 'Organisation', members: 'Membres', 'api-keys': 'Clés d’API', security: 'Double authentification', preferences: 'Préférences' },
    language: 'Langue', theme: 'Thème', themes: { dark: 'Sombre', light: 'Clair', system: 'Comme mon appareil' },
    lowBandwidth: 'Mode faible débit', lowBandwidthHint: 'Ni flou, ni animations, ni polices web, ni images ; mises à jour par interrogation qui ralentit quand rien ne change.',
    plan: 'Offre : {{plan}}', created: 'créé {{when}}', yourRole: 'votre rôle : {{role}}', you: 'vous', roleOf: 'Rôle de {{name}}',
    remove: 'Retirer', removeTitle: 'Retirer {{name}} de l’espace', invitations: 'Invitations', invite: 'Inviter',
    inviteSent: 'Invitation envoyée par e-mail à {{email}}.', inviteLink: 'Aucun e-mail n’est configuré : envoyez vous-même ce lien à {{email}}. Il n’est affiché qu’une fois.',
    noInvitations: 'Aucune invitation.', revoke: 'Révoquer', expires: 'expire {{when}}',
  },
  keys: {
    create: 'Nouvelle clé d’API', createButton: 'Créer la clé', expiresInDays: 'Expire après (jours)', never: 'Jamais', scopes: 'Portées',
    scope: { read: 'Lecture', write: 'Écriture', admin: 'Administration' },
    onceTitle: 'Copiez cette clé maintenant.', onceBody: 'Elle n’est affichée que cette fois ; Atrium n’en garde qu’une empreinte.', done: 'Je l’ai copiée',
    none: 'Aucune clé d’API pour l’instant.', lastUsed: 'utilisée {{when}}', neverUsed: 'jamais utilisée', revoked: 'Révoquée', revokedToast: 'Clé révoquée.',
  },
  security: {
    title: 'Double authentification', on: 'La double authentification est activée.', off: 'La double authentification est désactivée. Activez-la pour protéger les actions sensibles.',
    enable: 'Activer la double authentification', scan: 'Scannez ce QR code avec votre application d’authentification, ou saisissez la clé secrète, puis entrez le code affiché.',
    showQr: 'Afficher le QR code', qrAlt: 'QR code pour votre application d’authentification', secret: 'Clé secrète', confirm: 'Confirmer',
    codesTitle: 'Vos codes de secours.', codesBody: 'Gardez-les en lieu sûr : chacun fonctionne une fois si vous perdez votre téléphone. Ils ne sont affichés que maintenant.',
    disableCode: 'Un code actuel ou un code de secours', disable: 'Désactiver la double authentification',
  },
};

export default fr;
