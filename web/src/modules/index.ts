// The web app's modules, one line each. A module is a folder here with its manifest
// (module.ts: routes, navigation, Settings tabs, messages), its screens and its en/fr/mg
// dictionaries; see docs/web.md "Adding a screen or a module". Routes are matched in this order.
import type { NavItem, SettingsTab, WebModule } from '../app/manifest';
import ai from './ai/module';
import agents from './agents/module';
import identity from './identity/module';
import knowledge from './knowledge/module';
import ledger from './ledger/module';
import notifications from './notifications/module';
import orchestration from './orchestration/module';
import rules from './rules/module';
import work from './work/module';

export const MODULES: readonly WebModule[] = [work, orchestration, ledger, rules, notifications, agents, knowledge, identity, ai];

const byOrder = (a: { order: number }, b: { order: number }) => a.order - b.order;
/** The sidebar, which is also the palette's list of pages. */
export const NAV: readonly NavItem[] = MODULES.flatMap((m) => m.nav ?? []).sort(byOrder);
/** Tabs other modules add to Settings (identity's own are in Settings.tsx). */
export const SETTINGS_TABS: readonly SettingsTab[] = MODULES.flatMap((m) => m.settings ?? []).sort(byOrder);
