/**
 * The logged-in user and what the role may do: the same table as the server's ROLE_PERMISSIONS
 * (packages/server/src/auth.ts). The navigation shows only what the role may use; the server
 * enforces it on every call anyway.
 */
import { createContext, useContext } from 'react';
import type { AdminUnits, User, UserRole } from './api';

export type Permission =
  | 'cases.read'
  | 'cases.write'
  | 'codes.issue'
  | 'contacts.read'
  | 'contacts.reveal'
  | 'inbox.manage'
  | 'legacy.import'
  | 'users.manage'
  | 'audit.read'
  | 'apikeys.manage'
  // Health declarations (docs/declarations.md); partners: national administrators only.
  | 'declarations.read'
  | 'declarations.reveal'
  | 'declarations.write'
  | 'partners.manage'
  // Statistics (docs/statistics.md): every role reads them; imports change national figures, so
  // only national administrators (the server also requires national scope); reports are issued by
  // national and province administrators (docs/reports.md).
  | 'stats.import'
  | 'reports.issue';

const ALL: readonly Permission[] = [
  'cases.read',
  'cases.write',
  'codes.issue',
  'contacts.read',
  'contacts.reveal',
  'inbox.manage',
  'legacy.import',
  'users.manage',
  'audit.read',
  'declarations.read',
  'declarations.reveal',
  'declarations.write',
];

const ROLE_PERMISSIONS: Readonly<Record<UserRole, readonly Permission[]>> = {
  // API keys have national scope: only national administrators manage them.
  national_admin: [...ALL, 'apikeys.manage', 'partners.manage', 'stats.import', 'reports.issue'],
  province_admin: [...ALL, 'reports.issue'],
  health_officer: [
    'cases.read',
    'cases.write',
    'codes.issue',
    'contacts.read',
    'contacts.reveal',
    'legacy.import',
    'declarations.read',
    'declarations.reveal',
    'declarations.write',
  ],
  viewer: ['cases.read', 'contacts.read', 'declarations.read'],
};

export function can(user: User, permission: Permission): boolean {
  return ROLE_PERMISSIONS[user.role].includes(permission);
}

export interface SessionState {
  readonly user: User;
  /** Provinces and districts, or the reason they could not be loaded. */
  readonly units: AdminUnits | { readonly error: string } | undefined;
}

export const SessionContext = createContext<SessionState | undefined>(undefined);

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a logged-in page');
  return session;
}

/** The admin units when they loaded. */
export function unitsOf(state: SessionState): AdminUnits | undefined {
  return state.units && 'provinces' in state.units ? state.units : undefined;
}
