import { describe, expect, it, vi } from 'vitest';
import type { Preferences, SenderDirectoryEntry } from '../api/app-channel';
import { AppContext, type AppState } from './context';
import { moveChannel, parseRegions, SettingsPage } from './SettingsPage';
import {
  button,
  byTestId,
  click,
  deferred,
  fakeAppState,
  ionEvent,
  isDisabled,
  queryByTestId,
  render,
  typeInto,
  waitFor,
} from './test-harness';

const directory: SenderDirectoryEntry[] = [
  { senderId: 'health', displayName: { en: 'Health service' }, logo: null, signingKeys: [] },
  { senderId: 'tax', displayName: { en: 'Tax office' }, logo: null, signingKeys: [] },
];
const stored: Preferences = {
  channelOrder: ['SMS', 'APP', 'EMAIL'],
  mutedSenders: ['tax'],
  mutedCategories: [],
  alertRegions: ['21004'],
  updatedAt: '2026-01-01T00:00:00Z',
};

async function renderSettings(overrides: Partial<AppState> = {}) {
  const state = fakeAppState({ directory, preferences: stored, ...overrides });
  const page = (s: AppState) => (
    <AppContext.Provider value={s}>
      <SettingsPage />
    </AppContext.Provider>
  );
  const rendered = await render(page(state));
  return {
    ...rendered,
    state,
    update: (next: Partial<AppState>) => rendered.rerender(page({ ...state, ...next })),
  };
}

const channels = (container: HTMLElement) =>
  [...container.querySelectorAll('[data-testid^=channel-] ion-label')].map((l) => l.textContent);
const checkbox = (container: HTMLElement, name: string) => {
  const found = [...container.querySelectorAll('ion-checkbox')].find((c) => c.textContent === name);
  if (!found) throw new Error(`No checkbox "${name}"`);
  return found as HTMLElement & { checked: boolean };
};

describe('SettingsPage', () => {
  it('shows the stored channel order, muted senders and alert regions', async () => {
    const { container } = await renderSettings();
    expect(channels(container)).toEqual(['1. SMS', '2. APP', '3. EMAIL']);
    expect(checkbox(container, 'Health service').checked).toBe(false);
    expect(checkbox(container, 'Tax office').checked).toBe(true);
    expect((byTestId(container, 'regions') as HTMLElement & { value: string }).value).toBe('21004');
    expect(container.textContent).toContain(
      'Mandatory messages (such as official notices) are always delivered.',
    );
    // The first channel cannot move up, the last cannot move down.
    expect(isDisabled(button(container, 'Move up: SMS'))).toBe(true);
    expect(isDisabled(button(container, 'Move down: EMAIL'))).toBe(true);
    expect(isDisabled(button(container, 'Move down: SMS'))).toBe(false);
  });

  it('fills the form when the preferences arrive after the page opened', async () => {
    const { container, update } = await renderSettings({ preferences: undefined });
    expect(channels(container)).toEqual(['1. APP', '2. SMS', '3. EMAIL']);
    expect(checkbox(container, 'Tax office').checked).toBe(false);

    await update({ preferences: stored });
    expect(channels(container)).toEqual(['1. SMS', '2. APP', '3. EMAIL']);
    expect(checkbox(container, 'Tax office').checked).toBe(true);
  });

  it('saves a new channel order, per-sender mutes and regions through the service', async () => {
    const { container, state } = await renderSettings();
    await click(button(container, 'Move down: SMS'));
    expect(channels(container)).toEqual(['1. APP', '2. SMS', '3. EMAIL']);
    await click(button(container, 'Move up: EMAIL'));
    expect(channels(container)).toEqual(['1. APP', '2. EMAIL', '3. SMS']);

    await click(checkbox(container, 'Health service')); // mute
    await click(checkbox(container, 'Tax office')); // unmute
    await typeInto(byTestId(container, 'regions'), '21004; 11002, x!, 11002');

    await click(byTestId(container, 'save-preferences'));

    expect(state.savePreferences).toHaveBeenCalledExactlyOnceWith({
      channelOrder: ['APP', 'EMAIL', 'SMS'],
      mutedSenders: ['health'],
      alertRegions: ['21004', '11002'],
    });
    await waitFor(() =>
      expect(byTestId(container, 'preferences-status').textContent).toBe('Preferences saved.'),
    );
  });

  it('does not claim success before the service answered, and shows its error', async () => {
    const answer = deferred();
    const { container } = await renderSettings({ savePreferences: vi.fn(() => answer.promise) });
    await click(byTestId(container, 'save-preferences'));
    expect(queryByTestId(container, 'preferences-status')).toBeNull();

    answer.reject(new Error('Service Unavailable'));
    await waitFor(() =>
      expect(byTestId(container, 'preferences-status').textContent).toBe(
        'Something went wrong: Service Unavailable',
      ),
    );
    expect(byTestId(container, 'preferences-status').getAttribute('role')).toBe('status');
  });

  it('changes the language and goes back to the inbox', async () => {
    const { container, state } = await renderSettings();
    await ionEvent(byTestId(container, 'language'), 'ionChange', { value: 'fr' });
    expect(state.setLang).toHaveBeenCalledWith('fr');
    await click(byTestId(container, 'back'));
    expect(state.navigate).toHaveBeenCalledWith('/inbox');
  });
});

describe('SettingsPage helpers', () => {
  it('moves a channel within bounds', () => {
    expect(moveChannel(['APP', 'SMS', 'EMAIL'], 0, 1)).toEqual(['SMS', 'APP', 'EMAIL']);
    expect(moveChannel(['APP', 'SMS', 'EMAIL'], 0, -1)).toEqual(['APP', 'SMS', 'EMAIL']);
    expect(moveChannel(['APP', 'SMS', 'EMAIL'], 2, 1)).toEqual(['APP', 'SMS', 'EMAIL']);
  });

  it('keeps only well-formed region codes, once each, upper case', () => {
    expect(parseRegions(' 21004,be1 ;; 21004\n<script> 12345678901')).toEqual(['21004', 'BE1']);
  });
});
