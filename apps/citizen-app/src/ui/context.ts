import { createContext, useContext } from 'react';
import type { AppChannelApi, InboxItem, Preferences, SenderDirectoryEntry } from '../api/app-channel';
import type { MessageKey, UiLanguage } from '../i18n';
import type { LiveState } from '../services/live';
import type { OpenedMessage } from '../services/message-opener';
import type { NotificationSetup } from '../services/push';

export interface OpenedEntry {
  item: InboxItem;
  opened?: OpenedMessage;
  error?: string;
}

export interface AppState {
  t(key: MessageKey): string;
  lang: UiLanguage;
  setLang(lang: UiLanguage): void;
  app: AppChannelApi;
  directory: SenderDirectoryEntry[];
  inbox: OpenedEntry[];
  syncing: boolean;
  sync(): Promise<void>;
  live: LiveState;
  notifications: NotificationSetup;
  enableNotifications(): Promise<void>;
  markRead(messageId: string): Promise<void>;
  remove(messageId: string): Promise<void>;
  preferences?: Preferences;
  savePreferences(changes: Partial<Omit<Preferences, 'updatedAt'>>): Promise<void>;
  navigate(route: string): void;
}

export const AppContext = createContext<AppState | undefined>(undefined);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error('useApp outside AppContext');
  return state;
}
