/** The portal shell: session, language, navigation by role, and the page of the current route. */
import { lazy, type ReactNode, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { adminUnits, currentSession, logout, type Session, setUnauthorizedHandler } from './api';
import { ErrorMessage, errorText, Loading } from './components';
import {
  type Lang,
  texts as makeTexts,
  savedLang,
  saveLang,
  type TextKey,
  TextsContext,
  useTexts,
} from './i18n';
import { AccountPage } from './pages/Account';
import { ApiKeysPage } from './pages/ApiKeys';
import { AuditPage } from './pages/Audit';
import { CaseDetailPage } from './pages/CaseDetail';
import { CasesPage } from './pages/Cases';
import { ContactDetailPage } from './pages/ContactDetail';
import { ContactsPage } from './pages/Contacts';
import { DeclarationDetailPage } from './pages/DeclarationDetail';
import { DeclarationsPage } from './pages/Declarations';
import { ImportsPage } from './pages/Imports';
import { InboxPage } from './pages/Inbox';
import { LoginPage } from './pages/Login';
import { PartnersPage } from './pages/Partners';
import { ReportsPage } from './pages/Reports';
import { UsersPage } from './pages/Users';
import { Link, navigate, parseRoute, type Route, takeFocusRequest, useLocation } from './router';
import { can, type Permission, SessionContext, type SessionState } from './session';

// ECharts is large: the graph page loads it only when opened.
const GraphPage = lazy(() => import('./pages/Graph').then((m) => ({ default: m.GraphPage })));
// The QR checkpoint (jose for the offline check, jsQR for cameras without BarcodeDetector) likewise.
const CheckpointPage = lazy(() => import('./pages/Checkpoint').then((m) => ({ default: m.CheckpointPage })));
// The statistics pages bring ECharts and the province map (GeoJSON) likewise.
const DashboardPage = lazy(() => import('./pages/Dashboard').then((m) => ({ default: m.DashboardPage })));
const ProvincePage = lazy(() => import('./pages/Province').then((m) => ({ default: m.ProvincePage })));

/** The first page after login: the dashboard for administrators, the case list for the others. */
const homePath = (user: Session['user']) =>
  user.role === 'national_admin' || user.role === 'province_admin' ? '/dashboard' : '/cases';

interface NavItem {
  readonly path: string;
  readonly label: TextKey;
  readonly permission: Permission | undefined;
  readonly pages: readonly Route['page'][];
}

const NAV: readonly NavItem[] = [
  { path: '/dashboard', label: 'nav.dashboard', permission: undefined, pages: ['dashboard', 'province'] },
  { path: '/cases', label: 'nav.cases', permission: 'cases.read', pages: ['cases', 'case'] },
  { path: '/contacts', label: 'nav.contacts', permission: 'contacts.read', pages: ['contacts', 'contact'] },
  { path: '/graph', label: 'nav.graph', permission: 'contacts.read', pages: ['graph'] },
  {
    path: '/declarations',
    label: 'nav.declarations',
    permission: 'declarations.read',
    pages: ['declarations', 'declaration'],
  },
  { path: '/checkpoint', label: 'nav.checkpoint', permission: undefined, pages: ['checkpoint'] },
  { path: '/reports', label: 'nav.reports', permission: undefined, pages: ['reports'] },
  { path: '/imports', label: 'nav.imports', permission: 'stats.import', pages: ['imports'] },
  { path: '/inbox', label: 'nav.inbox', permission: 'inbox.manage', pages: ['inbox'] },
  { path: '/audit', label: 'nav.audit', permission: 'audit.read', pages: ['audit'] },
  { path: '/users', label: 'nav.users', permission: 'users.manage', pages: ['users'] },
  { path: '/api-keys', label: 'nav.apiKeys', permission: 'apikeys.manage', pages: ['api-keys'] },
  { path: '/partners', label: 'nav.partners', permission: 'partners.manage', pages: ['partners'] },
  { path: '/account', label: 'nav.account', permission: undefined, pages: ['account'] },
];

export function App() {
  const [lang, setLang] = useState<Lang>(savedLang);
  const texts = useMemo(() => makeTexts(lang), [lang]);
  const [session, setSession] = useState<SessionState | undefined>();
  const [checking, setChecking] = useState(true);
  const [startError, setStartError] = useState<unknown>();
  const [ended, setEnded] = useState(false);
  const where = useLocation();
  const route = parseRoute(where.pathname);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = texts.t('app.title');
  }, [lang, texts]);

  const loadUnits = useCallback((s: Session) => {
    setSession({ user: s.user, units: undefined });
    adminUnits().then(
      (units) => setSession((prev) => (prev ? { ...prev, units } : prev)),
      (error: unknown) =>
        setSession((prev) => (prev ? { ...prev, units: { error: errorText(error) } } : prev)),
    );
  }, []);

  useEffect(() => {
    currentSession().then(
      (s) => {
        if (s) loadUnits(s);
        setChecking(false);
      },
      (error: unknown) => {
        setStartError(error);
        setChecking(false);
      },
    );
  }, [loadUnits]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setSession(undefined);
      setEnded(true);
    });
    return () => setUnauthorizedHandler(undefined);
  }, []);

  // Logged out: the login page; logged in: never the login page.
  useEffect(() => {
    if (checking) return;
    if (!session && route.page !== 'login') {
      const back = `${where.pathname}${where.search}`;
      navigate(back === '/' ? '/login' : `/login?next=${encodeURIComponent(back)}`, true);
    } else if (session && route.page === 'login') {
      const next = new URLSearchParams(where.search).get('next');
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : homePath(session.user), true);
    }
  }, [checking, session, route.page, where.pathname, where.search]);

  // Move focus to the page's content after the user navigates, for keyboard and screen-reader users.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every path change
  useEffect(() => {
    if (takeFocusRequest()) main.current?.focus();
  }, [where.pathname, where.search]);

  const toggleLang = () => {
    const next: Lang = lang === 'vi' ? 'en' : 'vi';
    saveLang(next);
    setLang(next);
  };

  const doLogout = async () => {
    try {
      await logout();
    } finally {
      setSession(undefined);
      setEnded(false);
    }
  };

  const { t } = texts;
  const langButton = (
    <button
      type="button"
      className="lang-toggle"
      onClick={toggleLang}
      aria-label={t('app.switchLanguageLabel')}
    >
      {t('app.switchLanguage')}
    </button>
  );

  let content: ReactNode;
  if (checking) content = <Loading />;
  else if (startError) content = <ErrorMessage error={startError} />;
  else if (!session)
    content = (
      <LoginPage
        notice={ended ? t('app.sessionEnded') : undefined}
        onLogin={(s) => {
          setEnded(false);
          loadUnits(s);
        }}
      />
    );
  else content = <PageFor route={route} session={session} />;

  const visibleNav = session
    ? NAV.filter((item) => item.permission === undefined || can(session.user, item.permission))
    : [];

  return (
    <TextsContext.Provider value={texts}>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            B
          </span>
          <span>
            <strong>{t('app.brand')}</strong>
            <span className="subtitle">{t('app.subtitle')}</span>
          </span>
        </div>
        <div className="topbar-actions">
          {session ? (
            <span className="who">
              {t('app.signedInAs', { user: session.user.username })} · {t(`role.${session.user.role}`)}
            </span>
          ) : null}
          {langButton}
          {session ? (
            <button type="button" className="secondary" onClick={doLogout}>
              {t('app.logout')}
            </button>
          ) : null}
        </div>
      </header>
      <div className={session ? 'layout' : 'layout no-nav'}>
        {session ? (
          <nav className="sidenav" aria-label={t('app.nav')}>
            <ul>
              {visibleNav.map((item) => {
                const current = item.pages.includes(route.page);
                return (
                  <li key={item.path}>
                    <Link href={item.path} aria-current={current ? 'page' : undefined}>
                      {t(item.label)}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
        ) : null}
        <main id="main" ref={main} tabIndex={-1}>
          <SessionContext.Provider value={session}>
            <Suspense fallback={<Loading />}>{content}</Suspense>
          </SessionContext.Provider>
        </main>
      </div>
    </TextsContext.Provider>
  );
}

function PageFor({ route, session }: { readonly route: Route; readonly session: SessionState }) {
  const user = session.user;
  const allowed = (permission: Permission, page: ReactNode) => (can(user, permission) ? page : <NotFound />);
  switch (route.page) {
    case 'login':
      return <Loading />;
    case 'cases':
      return <CasesPage />;
    case 'case':
      return <CaseDetailPage id={route.id} />;
    case 'contacts':
      return allowed('contacts.read', <ContactsPage />);
    case 'contact':
      return allowed('contacts.read', <ContactDetailPage id={route.id} />);
    case 'graph':
      return allowed('contacts.read', <GraphPage caseId={route.id} />);
    case 'inbox':
      return allowed('inbox.manage', <InboxPage />);
    case 'audit':
      return allowed('audit.read', <AuditPage />);
    case 'users':
      return allowed('users.manage', <UsersPage />);
    case 'api-keys':
      return allowed('apikeys.manage', <ApiKeysPage />);
    case 'account':
      return <AccountPage />;
    case 'declarations':
      return allowed('declarations.read', <DeclarationsPage />);
    case 'declaration':
      return allowed('declarations.reveal', <DeclarationDetailPage id={route.id} />);
    case 'checkpoint':
      return <CheckpointPage />;
    case 'partners':
      return allowed('partners.manage', <PartnersPage />);
    case 'dashboard':
      return <DashboardPage />;
    case 'province':
      return <ProvincePage code={route.code} />;
    case 'reports':
      return <ReportsPage />;
    case 'imports':
      return allowed('stats.import', <ImportsPage />);
    case 'not-found':
      return <NotFound />;
  }
}

function NotFound() {
  const { t } = useTexts();
  return <p>{t('app.notFound')}</p>;
}
