// What a web module declares: its routes, its navigation entries (sidebar and the Cmd+K
// palette's pages), the Settings tabs it adds, and its messages in every language. The list of
// modules is web/src/modules/index.ts; App, Shell, the palette, Settings and i18n read it.
import type { ComponentType } from 'react';
import type { MessageSource } from '../i18n/messages';

export type WebRoute = {
  /** A wouter path: `/workflows`, `/workflows/:id`. Matched in the order of the modules list, then of `routes`. */
  path: string;
  /** The screen, usually `lazy(() => import('./Screen'))`: one chunk per screen. */
  component: ComponentType<any>;
  /**
   * 'signed-in' (default): inside the shell, signed-out visitors are sent to /login?next=…;
   * 'signed-out': without the shell, a signed-in visitor is sent to `/`;
   * 'any': without the shell when signed out, inside it when signed in.
   */
  session?: 'signed-in' | 'signed-out' | 'any';
};

/** The counts the shell keeps (lib/inbox): pending approvals, unread notifications. */
export type InboxCount = 'pending' | 'unread';

export type NavItem = {
  to: string;
  /** Sidebar label (an i18n key). */
  labelKey: string;
  /** Label among the palette's pages (default: `labelKey`). */
  paletteKey?: string;
  icon: string;
  /** Position in the sidebar and the palette, across modules (smaller first). */
  order: number;
  /** A count shown next to the label, with its screen-reader wording (`{{n}}`). */
  badge?: { count: InboxCount; labelKey: string };
  /** What typed in the palette opens this page ("go to rules", "règles"), on normalized text (lib/commands). */
  match?: RegExp;
};

export type SettingsTab = {
  /** The tab's address: /settings/<id>. */
  id: string;
  labelKey: string;
  /** Position among the Settings tabs (identity's own: 10 organization … 60 preferences). */
  order: number;
  /** Usually lazy: loaded when the tab is first shown. */
  component: ComponentType;
  /** Shown only to people with this scope. */
  scope?: 'admin';
};

export type WebModule = {
  /** The server module it belongs to (work, rules, ledger, identity, …). */
  id: string;
  routes?: readonly WebRoute[];
  nav?: readonly NavItem[];
  settings?: readonly SettingsTab[];
  /** en bundled; fr and mg loaded with the language: `{ en, fr: () => import('./fr'), mg: () => import('./mg') }`. */
  messages: MessageSource;
};

export const defineWebModule = (m: WebModule): WebModule => m;
