// Identity (sign-in; settings: organization, members, API keys, 2FA, preferences): English.
// The reference for fr.ts and mg.ts beside it (same keys, same {{placeholders}}: i18n.test.ts
// checks). Merged at start with the shared strings (web/src/i18n) and the other modules'; a key is
// defined in one place only.
const en = {
  nav: { settings: 'Settings' },
  palette: { page: { '/settings': 'Settings' } },
  auth: {
    tagline: 'Your operations, with every change and its why.',
    loginTitle: 'Log in', signupTitle: 'Create your workspace', acceptTitle: 'Join your team', invitedBy: '{{who}} invited you to join {{workspace}}.', invitedTo: 'You are invited to join {{workspace}}.',
    login: 'Log in', signup: 'Sign up', signOut: 'Sign out', verify: 'Verify', createAccount: 'Create workspace', acceptButton: 'Accept invitation',
    or: 'or', sso: 'Single sign-on', noAccount: 'New to Atrium?', haveAccount: 'Already have an account?',
    totpCode: 'Authentication code', totpHint: 'The 6-digit code from your authenticator app, or a recovery code.',
    passwordHint: 'At least 10 characters; avoid common passwords.',
    integrationAccepted: 'This invitation is for an integration: it works with API keys only, not with a sign-in.',
  },
  roles: { owner: 'Owner', admin: 'Admin', member: 'Member', viewer: 'Viewer', integration: 'Integration' },
  settings: {
    title: 'Settings', tab: { organization: 'Organization', members: 'Members', 'api-keys': 'API keys', security: 'Two-factor', preferences: 'Preferences' },
    language: 'Language', theme: 'Theme', themes: { dark: 'Dark', light: 'Light', system: 'Like my device' },
    lowBandwidth: 'Low-bandwidth mode', lowBandwidthHint: 'No blur, animations, web fonts or images, and updates by polling that slows down when nothing changes.',
    plan: 'Plan: {{plan}}', created: 'created {{when}}', yourRole: 'your role: {{role}}', you: 'you', roleOf: 'Role of {{name}}',
    remove: 'Remove', removeTitle: 'Remove {{name}} from the workspace', invitations: 'Invitations', invite: 'Invite',
    inviteSent: 'Invitation emailed to {{email}}.', inviteLink: 'No email is configured: send this link to {{email}} yourself. It is shown only once.',
    noInvitations: 'No invitations.', revoke: 'Revoke', expires: 'expires {{when}}',
  },
  keys: {
    create: 'New API key', createButton: 'Create key', expiresInDays: 'Expires after (days)', never: 'Never', scopes: 'Scopes',
    scope: { read: 'Read', write: 'Write', admin: 'Admin' },
    onceTitle: 'Copy this key now.', onceBody: 'It is shown only this once; Atrium keeps only a fingerprint of it.', done: 'I have copied it',
    none: 'No API keys yet.', lastUsed: 'last used {{when}}', neverUsed: 'never used', revoked: 'Revoked', revokedToast: 'Key revoked.',
  },
  security: {
    title: 'Two-factor authentication', on: 'Two-factor authentication is on.', off: 'Two-factor authentication is off. Turn it on to protect sensitive actions.',
    enable: 'Turn on two-factor', scan: 'Scan this QR code with your authenticator app, or type the secret, then enter the code it shows.',
    showQr: 'Show the QR code', qrAlt: 'QR code for your authenticator app', secret: 'Secret key', confirm: 'Confirm',
    codesTitle: 'Your recovery codes.', codesBody: 'Keep them somewhere safe: each one works once if you lose your phone. They are shown only now.',
    disableCode: 'A current code or a recovery code', disable: 'Turn off two-factor',
  },
};

export default en;
