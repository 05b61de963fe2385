/**
 * The app's pages wired together by App, with the app's services faked at their interfaces: the
 * app channel API, the live connection, the message opener, notification setup, the session and
 * the identity API (each is tested on its own in src/services and src/api). Nothing reaches a network.
 */
import type { MessageContent } from '@smis/message-content';
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  AppChannelApi,
  InboxItem,
  MessageEnvelope,
  Preferences,
  SenderDirectoryEntry,
} from '../api/app-channel';
import type { HttpClient } from '../api/http';
import type { IdentityApi, IssuedCredential } from '../api/identity';
import type { LiveState } from '../services/live';
import type { OpenedMessage } from '../services/message-opener';
import type { NotificationSetup, PushEnvironment } from '../services/push';
import type { CitizenSession, Enrolment } from '../services/session';
import { App, type AppServices } from './App';
import {
  allByTestId,
  button,
  byTestId,
  click,
  ionEvent,
  queryByTestId,
  render,
  typeInto,
  waitFor,
} from './test-harness';

const fakes = vi.hoisted(() => ({
  api: undefined as unknown as AppChannelApi,
  live: undefined as { onMessage(messageId: string): void; onState(state: LiveState): void } | undefined,
  liveStopped: 0,
  notifications: undefined as unknown as (ask: boolean) => Promise<NotificationSetup>,
}));

vi.mock('../api/app-channel', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/app-channel')>()),
  appChannelApi: () => fakes.api,
}));
vi.mock('../services/live', () => ({
  connectLive: (_api: unknown, handlers: typeof fakes.live) => {
    fakes.live = handlers;
    return () => void fakes.liveStopped++;
  },
}));
vi.mock('../services/push', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../services/push')>()),
  setupNotifications: (_env: unknown, ask: boolean) => fakes.notifications(ask),
}));
vi.mock('../services/message-opener', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../services/message-opener')>();
  return {
    ...actual,
    // Verified against the directory the app passes in, content from the fake app channel.
    openMessage: (
      envelope: MessageEnvelope,
      _keys: unknown,
      directory: SenderDirectoryEntry[],
    ): OpenedMessage => {
      const sender = directory.find((s) => s.senderId === envelope.senderId);
      if (!sender) throw new actual.MessageOpenError('unknown-sender', `Unknown sender ${envelope.senderId}`);
      const content = (fakes.api as FakeAppChannel).contents.get(envelope.messageId);
      if (!content) throw new actual.MessageOpenError('bad-signature', 'Bad signature');
      return { messageId: envelope.messageId, sender, senderKeyId: 'k1', createdAt: 0, content };
    },
  };
});

const health: SenderDirectoryEntry = {
  senderId: 'health',
  displayName: { en: 'Health service' },
  logo: null,
  signingKeys: [],
};
const tax: SenderDirectoryEntry = {
  senderId: 'tax',
  displayName: { en: 'Tax office' },
  logo: null,
  signingKeys: [],
};

/** The app channel as the app sees it, backed by an in-memory inbox. */
class FakeAppChannel implements AppChannelApi {
  items: InboxItem[] = [];
  contents = new Map<string, MessageContent>();
  directory = [health, tax];
  prefs: Preferences = {
    channelOrder: ['APP', 'SMS', 'EMAIL'],
    mutedSenders: [],
    mutedCategories: [],
    alertRegions: [],
    updatedAt: null,
  };

  deliver(messageId: string, senderId: string, title: string, readAt: string | null = null): void {
    const receivedAt = new Date(Date.UTC(2026, 0, 1 + this.items.length)).toISOString();
    this.items.push({
      messageId,
      senderId,
      priority: 'NORMAL',
      receivedAt,
      expiresAt: '2030-01-01T00:00:00Z',
      deliveredAt: null,
      readAt,
    });
    this.contents.set(messageId, { v: 1, lang: 'en', texts: { en: { title, body: `About: ${title}` } } });
  }

  private find(messageId: string): InboxItem {
    const found = this.items.find((i) => i.messageId === messageId);
    if (!found) throw new Error(`No message ${messageId}`);
    return found;
  }

  register = vi.fn(async () => ({ deviceId: 'device-1', keyId: 'key-1', identities: 1 }));
  updateDevice = vi.fn(async () => undefined);
  inbox = vi.fn(async () => ({ items: this.items.map((i) => ({ ...i })), cursor: 'end', hasMore: false }));
  message = vi.fn(async (messageId: string) => ({
    ...this.find(messageId),
    envelope: `sealed-${messageId}`,
  }));
  delivered = vi.fn(async (messageId: string) => {
    this.find(messageId).deliveredAt = '2026-06-01T00:00:00Z';
  });
  read = vi.fn(async (messageId: string) => {
    this.find(messageId).readAt = '2026-06-01T00:00:00Z';
  });
  remove = vi.fn(async (messageId: string) => {
    this.items = this.items.filter((i) => i.messageId !== messageId);
  });
  preferences = vi.fn(async () => this.prefs);
  setPreferences = vi.fn(async (changes: Partial<Omit<Preferences, 'updatedAt'>>) => {
    this.prefs = { ...this.prefs, ...changes, updatedAt: '2026-06-01T00:00:00Z' };
    return this.prefs;
  });
  senders = vi.fn(async () => this.directory);
  events = vi.fn(async (): Promise<ReadableStream<Uint8Array>> => {
    throw new Error('The live connection is faked');
  });
}

const issued: IssuedCredential = { credential: 'cred-1', expiresAt: 2_000_000_000, methods: ['phone'] };

function fakeSession(enrolled: boolean) {
  let enrolment: Enrolment | undefined = enrolled
    ? { credential: 'cred-0', methods: ['phone'], keyId: 'key-0', registeredAt: 0 }
    : undefined;
  return {
    restore: vi.fn(async () => enrolment),
    register: vi.fn(async (credential: IssuedCredential) => {
      enrolment = {
        credential: credential.credential,
        methods: credential.methods,
        keyId: 'key-1',
        registeredAt: 1,
      };
      return enrolment;
    }),
    language: vi.fn(async () => undefined),
    setLanguage: vi.fn(async () => undefined),
  };
}

function fakeIdentity(): IdentityApi {
  return {
    startPhoneEnrolment: vi.fn(async () => ({ enrolmentId: 'enr-1', expiresAt: 2_000_000_000 })),
    verifyPhoneEnrolment: vi.fn(async () => issued),
    startOidc: vi.fn(async () => ({
      enrolmentId: 'oidc-1',
      authorizationUrl: 'https://idp.test/a',
      expiresAt: 0,
    })),
    completeOidc: vi.fn(async () => ({ ...issued, methods: ['oidc'] })),
  };
}

const noNetwork: HttpClient = {
  baseUrl: '',
  request: () => Promise.reject(new Error('component tests have no network')),
  raw: () => Promise.reject(new Error('component tests have no network')),
};

let api: FakeAppChannel;
let setups: boolean[];

beforeEach(() => {
  api = new FakeAppChannel();
  fakes.api = api;
  fakes.live = undefined;
  fakes.liveStopped = 0;
  setups = [];
  fakes.notifications = async (ask) => {
    setups.push(ask);
    return { state: 'granted', push: { provider: 'fcm', token: 'fcm-token' } };
  };
  window.history.replaceState(null, '', '/');
});
afterEach(() => {
  window.history.replaceState(null, '', '/');
  sessionStorage.clear();
});

async function renderApp(options: { enrolled: boolean; identity?: IdentityApi }) {
  const session = fakeSession(options.enrolled);
  const identity = options.identity ?? fakeIdentity();
  const services: AppServices = {
    http: noNetwork,
    identity,
    session: session as unknown as CitizenSession,
    push: {} as PushEnvironment,
    deviceLanguages: ['en-GB'],
  };
  const { container } = await render(<App services={services} />);
  return { container, session, identity };
}

const rows = (container: HTMLElement) =>
  allByTestId(container, 'inbox-item').map((row) => [
    row.getAttribute('data-message-id'),
    row.querySelector('h2')?.textContent,
    row.getAttribute('data-unread'),
  ]);

/** An enrolled app showing its inbox, with the live connection started. */
async function readyApp() {
  const rendered = await renderApp({ enrolled: true });
  await waitFor(() => expect(fakes.live).toBeDefined());
  return rendered;
}

describe('App: enrolment', () => {
  it('enrols with a phone number and code, registers the device, then shows the inbox', async () => {
    api.deliver('m1', 'health', 'Welcome');
    const { container, session, identity } = await renderApp({ enrolled: false });

    const phone = await waitFor(() => byTestId(container, 'phone'));
    expect(queryByTestId(container, 'inbox')).toBeNull();
    await typeInto(phone, '+32470123456');
    await click(byTestId(container, 'send-code'));
    await typeInto(await waitFor(() => byTestId(container, 'code')), '123456');
    await click(byTestId(container, 'verify'));

    await waitFor(() => expect(rows(container)).toEqual([['m1', 'Welcome', 'true']]));
    expect(identity.verifyPhoneEnrolment).toHaveBeenCalledWith('enr-1', '123456');
    expect(session.register).toHaveBeenCalledWith(issued, api, {
      locale: 'en',
      push: { provider: 'fcm', token: 'fcm-token' },
      notificationsEnabled: true,
    });
    expect(setups[0]).toBe(false); // the permission prompt waits for a user gesture
    expect(window.location.hash).toBe('#/inbox');
    expect(queryByTestId(container, 'phone')).toBeNull();
  });

  it('finishes a strong authentication when the identity provider sends the citizen back', async () => {
    window.history.replaceState(null, '', '/app/?state=st-1&code=co-1');
    sessionStorage.setItem('smis-oidc-pending', 'oidc-1');
    const { container, session, identity } = await renderApp({ enrolled: false });

    await waitFor(() => expect(byTestId(container, 'inbox-empty').textContent).toBe('No messages yet.'));
    expect(identity.completeOidc).toHaveBeenCalledWith({ state: 'st-1', code: 'co-1', error: undefined });
    expect(session.register).toHaveBeenCalledWith({ ...issued, methods: ['oidc'] }, api, expect.anything());
    // The one-time code does not stay in the address bar or history.
    expect(window.location.search).toBe('');
    expect(sessionStorage.getItem('smis-oidc-pending')).toBeNull();
  });

  it('shows why a strong authentication failed and offers enrolment again', async () => {
    window.history.replaceState(null, '', '/app/?state=st-1&error=access_denied');
    const identity = fakeIdentity();
    vi.mocked(identity.completeOidc).mockRejectedValue(new Error('Sign-in was cancelled'));
    const { container, session } = await renderApp({ enrolled: false, identity });

    await waitFor(() =>
      expect(byTestId(container, 'onboarding-error').textContent).toBe('Sign-in was cancelled'),
    );
    expect(byTestId(container, 'phone')).toBeTruthy();
    expect(session.register).not.toHaveBeenCalled();
  });
});

describe('App: inbox', () => {
  it('shows the inbox and adds a message that arrives on the live connection', async () => {
    api.deliver('m1', 'health', 'Vaccination', '2026-01-02T00:00:00Z');
    const { container } = await readyApp();
    await waitFor(() => expect(rows(container)).toEqual([['m1', 'Vaccination', 'false']]));

    await act(async () => fakes.live?.onState('live'));
    await waitFor(() =>
      expect(byTestId(container, 'live-state').textContent).toBe(
        'Connected: new messages appear automatically.',
      ),
    );

    api.deliver('m2', 'tax', 'Tax return');
    await act(async () => fakes.live?.onMessage('m2'));
    await waitFor(() =>
      expect(rows(container)).toEqual([
        ['m2', 'Tax return', 'true'],
        ['m1', 'Vaccination', 'false'],
      ]),
    );
    expect(api.delivered).toHaveBeenCalledWith('m2'); // the delivery receipt, once it is opened
  });

  it('opens a message, sends the read receipt and shows it read back in the inbox', async () => {
    api.deliver('m1', 'health', 'Vaccination');
    const { container } = await readyApp();
    const row = await waitFor(() => {
      const found = container.querySelector<HTMLElement>('[data-message-id=m1]');
      if (!found) throw new Error('not listed yet');
      return found;
    });
    await click(row);

    await waitFor(() => expect(container.querySelector('h1')?.textContent).toBe('Vaccination'));
    expect(container.textContent).toContain('About: Vaccination');
    expect(byTestId(container, 'sender-name').textContent).toBe('Health service');
    await waitFor(() => expect(byTestId(container, 'read-state').textContent).toBe('Read'));
    expect(api.read).toHaveBeenCalledExactlyOnceWith('m1');

    await click(byTestId(container, 'back'));
    await waitFor(() => expect(rows(container)).toEqual([['m1', 'Vaccination', 'false']]));
  });

  it('does not show a message whose sender it cannot verify', async () => {
    api.deliver('m1', 'impostor', 'Send us your PIN');
    const { container } = await readyApp();
    await waitFor(() =>
      expect(rows(container)).toEqual([
        ['m1', 'This message could not be verified and is not shown.', 'true'],
      ]),
    );
    expect(container.textContent).not.toContain('Send us your PIN');
    expect(api.delivered).not.toHaveBeenCalled();
  });

  it('pull-to-refresh fetches the inbox again', async () => {
    api.deliver('m1', 'health', 'Vaccination');
    const { container } = await readyApp();
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    const fetches = api.inbox.mock.calls.length;

    api.deliver('m2', 'tax', 'Tax return'); // no live event: e.g. the connection is down
    const complete = vi.fn();
    await ionEvent(container.querySelector('ion-refresher') as HTMLElement, 'ionRefresh', { complete });

    await waitFor(() => expect(complete).toHaveBeenCalledOnce());
    expect(api.inbox.mock.calls.length).toBe(fetches + 1);
    expect(rows(container).map((r) => r[0])).toEqual(['m2', 'm1']);
  });

  it('offers to turn notifications on, and tells the app channel once they are', async () => {
    fakes.notifications = async (ask) => {
      setups.push(ask);
      return ask
        ? {
            state: 'granted',
            push: { provider: 'webpush', subscription: { endpoint: 'https://push.test/1' } },
          }
        : { state: 'prompt', push: null };
    };
    const { container } = await readyApp();
    const banner = await waitFor(() => byTestId(container, 'notification-banner'));
    await waitFor(() =>
      expect(api.updateDevice).toHaveBeenCalledWith(expect.objectContaining({ notificationsEnabled: false })),
    );

    await click(button(banner, 'Turn on notifications'));

    await waitFor(() => expect(queryByTestId(container, 'notification-banner')).toBeNull());
    expect(setups).toContain(true);
    expect(api.updateDevice).toHaveBeenLastCalledWith({
      notificationsEnabled: true,
      push: { provider: 'webpush', subscription: { endpoint: 'https://push.test/1' } },
    });
  });
});

describe('App: settings', () => {
  it('loads the preferences and saves channel order and mutes through the app channel', async () => {
    api.prefs = { ...api.prefs, mutedSenders: ['tax'] };
    const { container } = await readyApp();
    await click(await waitFor(() => byTestId(container, 'open-settings')));

    const checkbox = (name: string) =>
      [...container.querySelectorAll<HTMLElement & { checked: boolean }>('ion-checkbox')].find(
        (c) => c.textContent === name,
      );
    await waitFor(() => expect(checkbox('Tax office')?.checked).toBe(true));
    expect(checkbox('Health service')?.checked).toBe(false);

    await click(button(container, 'Move down: APP'));
    await click(checkbox('Health service') as HTMLElement);
    await click(byTestId(container, 'save-preferences'));

    await waitFor(() =>
      expect(byTestId(container, 'preferences-status').textContent).toBe('Preferences saved.'),
    );
    expect(api.setPreferences).toHaveBeenCalledExactlyOnceWith({
      channelOrder: ['SMS', 'APP', 'EMAIL'],
      mutedSenders: ['tax', 'health'],
      alertRegions: [],
    });
  });
});
