import { describe, expect, it } from 'vitest';
import type { NotificationSetup } from '../services/push';
import { AppContext, type AppState } from './context';
import { InboxPage } from './InboxPage';
import { NotificationBanner } from './NotificationBanner';
import { byTestId, click, fakeAppState, queryByTestId, render } from './test-harness';

async function renderBanner(notifications: NotificationSetup, overrides: Partial<AppState> = {}) {
  const state = fakeAppState({ notifications, ...overrides });
  const rendered = await render(
    <AppContext.Provider value={state}>
      <NotificationBanner />
    </AppContext.Provider>,
  );
  return { ...rendered, state };
}

const TURN_ON = 'Turn on notifications';
const buttons = (container: HTMLElement) =>
  [...container.querySelectorAll('ion-button, button')].map((b) => b.textContent?.trim());

describe('NotificationBanner', () => {
  it('is absent when notifications work', async () => {
    const { container } = await renderBanner({ state: 'granted', push: { provider: 'apns', token: 't' } });
    expect(queryByTestId(container, 'notification-banner')).toBeNull();
  });

  it('offers to turn notifications on when they were never asked for', async () => {
    const { container, state } = await renderBanner({ state: 'prompt', push: null });
    const banner = byTestId(container, 'notification-banner');
    expect(banner.querySelector('p')?.textContent).toBe(
      'Notifications are off. New messages still appear here when the app is open.',
    );
    expect(buttons(banner)).toEqual([TURN_ON]);

    await click(banner.querySelector('ion-button') as HTMLElement);
    expect(state.enableNotifications).toHaveBeenCalledOnce();
  });

  it('explains a refusal and where to change it, without asking again', async () => {
    const { container } = await renderBanner({ state: 'denied', push: null, reason: 'denied' });
    const banner = byTestId(container, 'notification-banner');
    expect(banner.textContent).toBe(
      'Notifications were refused. You can allow them in your device settings.',
    );
    expect(buttons(banner)).toEqual([]);
  });

  it('says when the device cannot show notifications at all', async () => {
    const { container } = await renderBanner({ state: 'unavailable', push: null, reason: 'unsupported' });
    expect(byTestId(container, 'notification-banner').textContent).toBe(
      'This device cannot show notifications. New messages appear here when the app is open.',
    );
    expect(buttons(container)).toEqual([]);
  });

  it.each([
    ['no-push-service', 'unavailable'],
    ['no-push-service', 'granted'],
    ['not-configured', 'granted'],
  ] as const)('says when notifications are allowed but cannot be pushed (%s, %s)', async (reason, s) => {
    const { container } = await renderBanner({ state: s, push: null, reason });
    expect(byTestId(container, 'notification-banner').textContent).toBe(
      'Notifications are allowed but no push service is reachable. New messages appear here when the app is open.',
    );
    expect(buttons(container)).toEqual([]);
  });

  it('is a polite status in the page, not a dialog: the inbox stays usable', async () => {
    const state = fakeAppState({
      notifications: { state: 'denied', push: null, reason: 'denied' },
      inbox: [
        {
          item: {
            messageId: 'm1',
            senderId: 'health',
            priority: 'NORMAL',
            receivedAt: '2026-01-01T09:00:00Z',
            expiresAt: '2030-01-01T00:00:00Z',
            deliveredAt: null,
            readAt: null,
          },
          error: 'bad signature',
        },
      ],
    });
    const { container } = await render(
      <AppContext.Provider value={state}>
        <InboxPage />
      </AppContext.Provider>,
    );
    const banner = byTestId(container, 'notification-banner');
    expect(banner.getAttribute('role')).toBe('status');
    expect(container.querySelector('[role=dialog], [role=alertdialog], ion-modal, ion-alert')).toBeNull();
    // The banner sits above the list, which is there and reacts to taps.
    const list = byTestId(container, 'inbox');
    expect(banner.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    await click(byTestId(container, 'inbox-item'));
    expect(state.navigate).toHaveBeenCalledWith('/message/m1');
  });
});
