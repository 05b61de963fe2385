import { IonApp } from '@ionic/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  appChannelApi,
  type InboxItem,
  type Preferences,
  type SenderDirectoryEntry,
} from '../api/app-channel';
import type { HttpClient } from '../api/http';
import type { IdentityApi, IssuedCredential } from '../api/identity';
import { initialLanguage, translator, type UiLanguage } from '../i18n';
import { connectLive, type LiveState } from '../services/live';
import { MessageOpenError, openMessage, type OpenedMessage } from '../services/message-opener';
import {
  notificationsEnabled,
  setupNotifications,
  type NotificationSetup,
  type PushEnvironment,
} from '../services/push';
import { CitizenSession, oidcRedirectParams } from '../services/session';
import { AppContext, type AppState, type OpenedEntry } from './context';
import { InboxPage } from './InboxPage';
import { MessagePage } from './MessagePage';
import { Onboarding } from './Onboarding';
import { SettingsPage } from './SettingsPage';

export interface AppServices {
  http: HttpClient;
  identity: IdentityApi;
  session: CitizenSession;
  push: PushEnvironment;
  deviceLanguages: readonly string[];
}

type Phase = 'loading' | 'onboarding' | 'ready';

function currentRoute(): string {
  return window.location.hash.replace(/^#/, '') || '/inbox';
}

export function App({ services }: { services: AppServices }) {
  const { session, identity, http } = services;
  const [phase, setPhase] = useState<Phase>('loading');
  const [lang, setLangState] = useState<UiLanguage>(initialLanguage(services.deviceLanguages));
  const [route, setRoute] = useState(currentRoute);
  const [enrolError, setEnrolError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [directory, setDirectory] = useState<SenderDirectoryEntry[]>([]);
  const [inbox, setInbox] = useState<OpenedEntry[]>([]);
  const [syncing, setSyncing] = useState(false);
  const [live, setLive] = useState<LiveState>('connecting');
  const [notifications, setNotifications] = useState<NotificationSetup>({ state: 'prompt', push: null });
  const [preferences, setPreferences] = useState<Preferences>();
  const opened = useRef(new Map<string, OpenedMessage>());
  const directoryRef = useRef<SenderDirectoryEntry[]>([]);
  const syncChain = useRef<Promise<void>>(Promise.resolve());
  const t = useMemo(() => translator(lang), [lang]);
  const app = useMemo(() => appChannelApi(http, () => session.keys), [http, session]);

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const navigate = useCallback((to: string) => {
    window.location.hash = to;
  }, []);

  const loadDirectory = useCallback(async () => {
    const senders = await app.senders();
    directoryRef.current = senders;
    setDirectory(senders);
    return senders;
  }, [app]);

  const openOne = useCallback(
    async (item: InboxItem): Promise<OpenedEntry> => {
      const cached = opened.current.get(item.messageId);
      if (cached) return { item, opened: cached };
      try {
        const envelope = await app.message(item.messageId);
        let message: OpenedMessage;
        try {
          message = openMessage(envelope, session.keys, directoryRef.current);
        } catch (error) {
          // A sender (or key) newer than our copy of the directory: refresh once.
          if (!(error instanceof MessageOpenError && error.reason === 'unknown-sender')) throw error;
          message = openMessage(envelope, session.keys, await loadDirectory());
        }
        opened.current.set(item.messageId, message);
        if (!item.deliveredAt) await app.delivered(item.messageId);
        return { item, opened: message };
      } catch (error) {
        return { item, error: (error as Error).message };
      }
    },
    [app, session, loadDirectory],
  );

  /** Full inbox sync (serialized: live events and pull-to-refresh may overlap). */
  const sync = useCallback((): Promise<void> => {
    const run = async () => {
      setSyncing(true);
      try {
        const items: InboxItem[] = [];
        let after: string | undefined;
        for (let page = 0; page < 50; page++) {
          const result = await app.inbox(after);
          items.push(...result.items);
          after = result.cursor;
          if (!result.hasMore) break;
        }
        const entries: OpenedEntry[] = [];
        for (const item of items) entries.push(await openOne(item));
        setInbox(entries);
      } finally {
        setSyncing(false);
      }
    };
    syncChain.current = syncChain.current.then(run, run);
    return syncChain.current;
  }, [app, openOne]);

  const checkNotifications = useCallback(
    async (ask: boolean) => {
      const setup = await setupNotifications(services.push, ask);
      setNotifications(setup);
      return setup;
    },
    [services.push],
  );

  const register = useCallback(
    async (issued: IssuedCredential) => {
      setBusy(true);
      setEnrolError(undefined);
      try {
        const setup = await checkNotifications(false);
        await session.register(issued, app, {
          locale: lang,
          push: setup.push,
          notificationsEnabled: notificationsEnabled(setup),
        });
        window.location.hash = '/inbox';
        setPhase('ready');
      } finally {
        setBusy(false);
      }
    },
    [app, session, lang, checkNotifications],
  );

  // Boot: language, a returning OIDC redirect, or the stored enrolment.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const stored = await session.language();
      if (stored && !cancelled) setLangState(stored);
      const enrolment = await session.restore();
      const redirect = oidcRedirectParams(window.location.search);
      if (redirect) {
        window.history.replaceState(null, '', window.location.pathname + '#/inbox');
        sessionStorage.removeItem('smis-oidc-pending');
        try {
          await register(await identity.completeOidc(redirect));
          return;
        } catch (error) {
          if (!cancelled) setEnrolError((error as Error).message);
        }
      }
      if (!cancelled) setPhase(enrolment ? 'ready' : 'onboarding');
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  // Once enrolled: directory, preferences, inbox, live connection, notification state.
  useEffect(() => {
    if (phase !== 'ready') return;
    let stop: (() => void) | undefined;
    void (async () => {
      await loadDirectory().catch(() => undefined);
      stop = connectLive(app, { onMessage: () => void sync(), onState: setLive });
      await sync().catch(() => undefined);
      setPreferences(await app.preferences().catch(() => undefined));
      const setup = await checkNotifications(false);
      await app
        .updateDevice({ notificationsEnabled: notificationsEnabled(setup), push: setup.push, locale: lang })
        .catch(() => undefined);
    })();
    return () => stop?.();
  }, [phase]);

  const state: AppState = {
    t,
    lang,
    setLang: (next) => {
      setLangState(next);
      void session.setLanguage(next);
      if (phase === 'ready') void app.updateDevice({ locale: next }).catch(() => undefined);
    },
    app,
    directory,
    inbox,
    syncing,
    sync,
    live,
    notifications,
    enableNotifications: async () => {
      const setup = await checkNotifications(true);
      await app
        .updateDevice({ notificationsEnabled: notificationsEnabled(setup), push: setup.push })
        .catch(() => undefined);
    },
    markRead: useCallback(
      async (messageId: string) => {
        await app.read(messageId);
        const readAt = new Date().toISOString();
        setInbox((entries) =>
          entries.map((e) => (e.item.messageId === messageId ? { ...e, item: { ...e.item, readAt } } : e)),
        );
      },
      [app],
    ),
    remove: async (messageId) => {
      await app.remove(messageId);
      opened.current.delete(messageId);
      setInbox((entries) => entries.filter((e) => e.item.messageId !== messageId));
    },
    preferences,
    savePreferences: async (changes) => setPreferences(await app.setPreferences(changes)),
    navigate,
  };

  let page;
  if (phase === 'loading') page = <p role="status">…</p>;
  else if (phase === 'onboarding')
    page = <Onboarding identity={identity} t={t} onCredential={register} busy={busy} error={enrolError} />;
  else if (route.startsWith('/message/'))
    page = <MessagePage messageId={decodeURIComponent(route.slice(9))} />;
  else if (route === '/settings') page = <SettingsPage />;
  else page = <InboxPage />;

  return (
    <AppContext.Provider value={state}>
      <IonApp>{page}</IonApp>
    </AppContext.Provider>
  );
}
