/**
 * Component-test support (happy-dom, real Ionic components, no @testing-library): rendering,
 * waiting on the DOM, user-like input on Ionic controls and a fake of the app state the pages read.
 * Imported by specs only.
 */
import { setupIonicReact } from '@ionic/react';
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, vi } from 'vitest';
import type { AppChannelApi } from '../api/app-channel';
import { translator } from '../i18n';
import type { AppState } from './context';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
// As main.tsx: without a mode, Ionic's shadow components have no styles and never render.
setupIonicReact({ mode: 'md' });
// ion-icon (an ion-item's detail arrow) reads document.dir, which happy-dom does not have.
if (typeof document.dir !== 'string') Object.defineProperty(document, 'dir', { value: 'ltr' });

export interface Rendered {
  container: HTMLElement;
  rerender(ui: ReactNode): Promise<void>;
}

const mounted: { root: Root; container: HTMLElement }[] = [];
afterEach(() => {
  for (const { root, container } of mounted.splice(0)) {
    act(() => root.unmount());
    container.remove();
  }
});

export async function render(ui: ReactNode): Promise<Rendered> {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  mounted.push({ root, container });
  await act(async () => root.render(ui));
  return {
    container,
    rerender: async (next) => {
      await act(async () => root.render(next));
    },
  };
}

/** Retries `assertion` (letting React and pending promises run in between) until it passes. */
export async function waitFor<T>(assertion: () => T, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await act(() => new Promise<void>((resolve) => setTimeout(resolve, 5)));
    }
  }
}

export function byTestId<E extends Element = HTMLElement>(root: ParentNode, id: string): E {
  const found = root.querySelector<E>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`No element with data-testid=${id}`);
  return found;
}

export function queryByTestId(root: ParentNode, id: string): HTMLElement | null {
  return root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
}

export function allByTestId(root: ParentNode, id: string): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
}

/** The accessible name of a button: its aria-label (ion-button moves it to its native button), else its text. */
export function accessibleName(button: Element): string | undefined {
  const label =
    button.getAttribute('aria-label') ??
    button.shadowRoot?.querySelector('button')?.getAttribute('aria-label');
  return label ?? button.textContent?.trim();
}

/** The (ion-)button whose accessible name is `name`. */
export function button(root: ParentNode, name: string): HTMLElement & { disabled?: boolean } {
  const found = [...root.querySelectorAll<HTMLElement>('ion-button, button')].find(
    (b) => accessibleName(b) === name,
  );
  if (!found) throw new Error(`No button "${name}"`);
  return found;
}

/** Whether an Ionic control is disabled (the property Ionic renders `aria-disabled` from). */
export function isDisabled(element: Element): boolean {
  return (element as { disabled?: boolean }).disabled === true;
}

export async function click(element: Element): Promise<void> {
  await act(async () => (element as HTMLElement).click());
}

/**
 * The accessible name of an ion-input's native input (its label). Stencil patches textContent
 * of Ionic's scoped components to their slotted content only, so the label is read this way.
 */
export function inputLabel(ionInput: Element): string | undefined {
  const labelledBy = ionInput.querySelector('input')?.getAttribute('aria-labelledby');
  return labelledBy ? (document.getElementById(labelledBy)?.textContent ?? undefined) : undefined;
}

/** Types into an ion-input's native input: Ionic turns the `input` event into `ionInput`. */
export async function typeInto(ionInput: Element, value: string): Promise<void> {
  const native = ionInput.querySelector('input');
  if (!native) throw new Error('The ion-input has not rendered its native input');
  await act(async () => {
    native.value = value;
    native.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Dispatches an Ionic component event (what the component emits after a user gesture). */
export async function ionEvent(element: Element, type: string, detail: unknown): Promise<void> {
  await act(async () => {
    element.dispatchEvent(new CustomEvent(type, { detail, bubbles: true }));
  });
}

/** A promise settled from outside, to hold a fake service call open. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The app state the pages read (context.ts), in English, with spies for every action. */
export function fakeAppState(overrides: Partial<AppState> = {}): AppState {
  return {
    t: translator('en'),
    lang: 'en',
    setLang: vi.fn(),
    app: {} as AppChannelApi,
    directory: [],
    inbox: [],
    syncing: false,
    sync: vi.fn(async () => undefined),
    live: 'connecting',
    notifications: { state: 'granted', push: { provider: 'fcm', token: 'token' } },
    enableNotifications: vi.fn(async () => undefined),
    markRead: vi.fn(async () => undefined),
    remove: vi.fn(async () => undefined),
    preferences: undefined,
    savePreferences: vi.fn(async () => undefined),
    navigate: vi.fn(),
    ...overrides,
  };
}
