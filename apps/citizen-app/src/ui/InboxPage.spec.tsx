import type { MessageContent } from '@smis/message-content';
import { describe, expect, it, vi } from 'vitest';
import type { InboxItem, SenderDirectoryEntry } from '../api/app-channel';
import { AppContext, type AppState, type OpenedEntry } from './context';
import { InboxPage } from './InboxPage';
import {
  allByTestId,
  byTestId,
  click,
  deferred,
  fakeAppState,
  ionEvent,
  isDisabled,
  queryByTestId,
  render,
  waitFor,
} from './test-harness';

const health: SenderDirectoryEntry = {
  senderId: 'health',
  displayName: { nl: 'Gezondheid', en: 'Health service' },
  logo: null,
  signingKeys: [],
};
const tax: SenderDirectoryEntry = {
  senderId: 'tax',
  displayName: { en: 'Tax office' },
  logo: null,
  signingKeys: [],
};

function item(
  messageId: string,
  senderId: string,
  receivedAt: string,
  readAt: string | null = null,
): InboxItem {
  return {
    messageId,
    senderId,
    priority: 'NORMAL',
    receivedAt,
    expiresAt: '2030-01-01T00:00:00Z',
    deliveredAt: receivedAt,
    readAt,
  };
}

function opened(i: InboxItem, sender: SenderDirectoryEntry, title: string): OpenedEntry {
  const content: MessageContent = { v: 1, lang: 'en', texts: { en: { title, body: `${title}.` } } };
  return {
    item: i,
    opened: { messageId: i.messageId, sender, senderKeyId: 'k1', createdAt: 0, content },
  };
}

// The inbox arrives oldest first (the app channel's order).
const older = opened(
  item('m1', 'health', '2026-01-01T09:00:00Z', '2026-01-01T10:00:00Z'),
  health,
  'Vaccination',
);
const newer = opened(item('m2', 'tax', '2026-02-01T09:00:00Z'), tax, 'Tax return');

async function renderInbox(overrides: Partial<AppState> = {}) {
  const state = fakeAppState({ directory: [health, tax], inbox: [older, newer], ...overrides });
  const page = (s: AppState) => (
    <AppContext.Provider value={s}>
      <InboxPage />
    </AppContext.Provider>
  );
  const rendered = await render(page(state));
  return {
    ...rendered,
    state,
    update: (next: Partial<AppState>) => rendered.rerender(page({ ...state, ...next })),
  };
}

function rows(container: HTMLElement) {
  return allByTestId(container, 'inbox-item').map((row) => ({
    id: row.getAttribute('data-message-id'),
    unread: row.getAttribute('data-unread'),
    title: row.querySelector('h2')?.textContent,
    from: row.querySelector('p')?.textContent?.split(' · ')[0],
    badge: row.querySelector('ion-badge')?.textContent ?? null,
  }));
}

describe('InboxPage', () => {
  it('lists the messages newest first, with their sender and which ones are unread', async () => {
    const { container } = await renderInbox();
    expect(rows(container)).toEqual([
      { id: 'm2', unread: 'true', title: 'Tax return', from: 'Tax office', badge: 'Unread' },
      { id: 'm1', unread: 'false', title: 'Vaccination', from: 'Health service', badge: null },
    ]);
    expect(byTestId(container, 'inbox').getAttribute('aria-label')).toBe('Inbox');
    // Unread titles are emphasized, read ones are not.
    expect(container.querySelector('[data-message-id=m2] h2')?.className).toBe('smis-unread');
    expect(container.querySelector('[data-message-id=m1] h2')?.className).toBe('');
    expect(queryByTestId(container, 'inbox-empty')).toBeNull();
  });

  it('does not show an unverified message, only that it could not be verified', async () => {
    const rejected: OpenedEntry = {
      item: item('m3', 'unknown', '2026-03-01T09:00:00Z'),
      error: 'bad signature',
    };
    const { container } = await renderInbox({ inbox: [older, rejected] });
    expect(rows(container)[0]).toEqual({
      id: 'm3',
      unread: 'true',
      title: 'This message could not be verified and is not shown.',
      from: 'unknown', // not in the directory: the raw sender id, no borrowed name
      badge: 'Unread',
    });
  });

  it('says so when there are no messages', async () => {
    const { container } = await renderInbox({ inbox: [] });
    expect(byTestId(container, 'inbox-empty').textContent).toBe('No messages yet.');
    expect(queryByTestId(container, 'inbox')).toBeNull();
  });

  it('opens a message when it is tapped', async () => {
    const { container, state } = await renderInbox();
    await click(container.querySelector('[data-message-id=m1]') as HTMLElement);
    expect(state.navigate).toHaveBeenCalledWith('/message/m1');
    await click(byTestId(container, 'open-settings'));
    expect(state.navigate).toHaveBeenLastCalledWith('/settings');
  });

  it('shows a message that arrives while it is open, and whether the live connection is up', async () => {
    const { container, update } = await renderInbox({ inbox: [older], live: 'connecting' });
    expect(byTestId(container, 'live-state').textContent).toBe('');
    await update({ inbox: [older], live: 'live' });
    expect(byTestId(container, 'live-state').textContent).toBe(
      'Connected: new messages appear automatically.',
    );
    expect(byTestId(container, 'live-state').getAttribute('aria-live')).toBe('polite');

    await update({ inbox: [older, newer], live: 'live' });
    expect(rows(container).map((r) => [r.id, r.unread])).toEqual([
      ['m2', 'true'],
      ['m1', 'false'],
    ]);

    await update({ inbox: [older, newer], live: 'offline' });
    expect(byTestId(container, 'live-state').textContent).toBe('Not connected: pull down to refresh.');
  });

  it('pull-to-refresh syncs the inbox and ends the refresh only when the sync is done', async () => {
    const sync = deferred();
    const { container, state } = await renderInbox({ sync: vi.fn(() => sync.promise) });
    const complete = vi.fn();
    await ionEvent(container.querySelector('ion-refresher') as HTMLElement, 'ionRefresh', { complete });
    expect(state.sync).toHaveBeenCalledOnce();
    expect(complete).not.toHaveBeenCalled(); // the spinner stays while syncing

    sync.resolve();
    await waitFor(() => expect(complete).toHaveBeenCalledOnce());
  });

  it('has a refresh button that syncs, disabled while a sync runs', async () => {
    const { container, state, update } = await renderInbox();
    const refresh = byTestId(container, 'refresh');
    expect(refresh.textContent).toBe('Refresh');
    await click(refresh);
    expect(state.sync).toHaveBeenCalledOnce();

    await update({ syncing: true });
    expect(isDisabled(byTestId(container, 'refresh'))).toBe(true);
  });

  it('says so when a refresh fails, and clears it once a refresh succeeds', async () => {
    const sync = vi.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValueOnce(undefined);
    const { container } = await renderInbox({ sync });
    expect(container.querySelector('[data-testid="sync-failed"]')).toBeNull();

    const complete = vi.fn();
    await ionEvent(container.querySelector('ion-refresher') as HTMLElement, 'ionRefresh', { complete });
    await waitFor(() => expect(complete).toHaveBeenCalledOnce()); // the spinner ends on failure too
    await waitFor(() =>
      expect(byTestId(container, 'sync-failed').textContent).toBe(
        'The inbox could not be refreshed. Check your connection and try again.',
      ),
    );
    expect(byTestId(container, 'sync-failed').getAttribute('role')).toBe('alert');

    await click(byTestId(container, 'refresh'));
    await waitFor(() => expect(container.querySelector('[data-testid="sync-failed"]')).toBeNull());
    expect(sync).toHaveBeenCalledTimes(2);
  });
});
