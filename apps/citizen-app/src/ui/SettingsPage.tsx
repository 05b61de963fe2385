import {
  IonButton,
  IonButtons,
  IonCheckbox,
  IonContent,
  IonHeader,
  IonInput,
  IonItem,
  IonLabel,
  IonList,
  IonListHeader,
  IonPage,
  IonSelect,
  IonSelectOption,
  IonTitle,
  IonToolbar,
} from '@ionic/react';
import { useEffect, useState } from 'react';
import type { Channel } from '../api/app-channel';
import { LANGUAGE_NAMES, UI_LANGUAGES, type UiLanguage } from '../i18n';
import { senderName } from '../services/content-view';
import { useApp } from './context';
import { NotificationBanner } from './NotificationBanner';

export function moveChannel(order: readonly Channel[], index: number, delta: -1 | 1): Channel[] {
  const next = [...order];
  const target = index + delta;
  if (target < 0 || target >= next.length) return next;
  [next[index], next[target]] = [next[target], next[index]];
  return next;
}

export function parseRegions(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((r) => r.trim().toUpperCase())
        .filter((r) => /^[0-9A-Z]{1,10}$/.test(r)),
    ),
  ];
}

export function SettingsPage() {
  const { t, lang, setLang, preferences, savePreferences, directory, navigate } = useApp();
  const [order, setOrder] = useState<Channel[]>(preferences?.channelOrder ?? ['APP', 'SMS', 'EMAIL']);
  const [muted, setMuted] = useState<string[]>(preferences?.mutedSenders ?? []);
  const [regions, setRegions] = useState((preferences?.alertRegions ?? []).join(', '));
  const [status, setStatus] = useState<string>();

  useEffect(() => {
    if (!preferences) return;
    setOrder(preferences.channelOrder.length ? preferences.channelOrder : ['APP', 'SMS', 'EMAIL']);
    setMuted(preferences.mutedSenders);
    setRegions(preferences.alertRegions.join(', '));
  }, [preferences]);

  const save = async () => {
    setStatus(undefined);
    try {
      await savePreferences({
        channelOrder: order,
        mutedSenders: muted,
        alertRegions: parseRegions(regions),
      });
      setStatus(t('saved'));
    } catch (e) {
      setStatus(`${t('error')}: ${(e as Error).message}`);
    }
  };

  return (
    <IonPage>
      <IonHeader>
        <IonToolbar>
          <IonButtons slot="start">
            <IonButton onClick={() => navigate('/inbox')} data-testid="back">
              {t('back')}
            </IonButton>
          </IonButtons>
          <IonTitle>{t('settings')}</IonTitle>
        </IonToolbar>
      </IonHeader>
      <IonContent>
        <main>
          <NotificationBanner />
          <IonList>
            <IonItem>
              <IonSelect
                label={t('language')}
                value={lang}
                interface="popover"
                onIonChange={(e) => setLang(e.detail.value as UiLanguage)}
                data-testid="language"
              >
                {UI_LANGUAGES.map((l) => (
                  <IonSelectOption key={l} value={l} lang={l}>
                    {LANGUAGE_NAMES[l]}
                  </IonSelectOption>
                ))}
              </IonSelect>
            </IonItem>
          </IonList>
          <IonList aria-labelledby="channel-order">
            <IonListHeader>
              <h2 id="channel-order">{t('channelOrder')}</h2>
            </IonListHeader>
            {order.map((channel, i) => (
              <IonItem key={channel} data-testid={`channel-${channel}`}>
                <IonLabel>
                  {i + 1}. {channel}
                </IonLabel>
                <IonButton
                  slot="end"
                  fill="clear"
                  disabled={i === 0}
                  aria-label={`${t('moveUp')}: ${channel}`}
                  onClick={() => setOrder(moveChannel(order, i, -1))}
                >
                  ↑
                </IonButton>
                <IonButton
                  slot="end"
                  fill="clear"
                  disabled={i === order.length - 1}
                  aria-label={`${t('moveDown')}: ${channel}`}
                  onClick={() => setOrder(moveChannel(order, i, 1))}
                >
                  ↓
                </IonButton>
              </IonItem>
            ))}
          </IonList>
          <IonList aria-labelledby="muted-senders">
            <IonListHeader>
              <h2 id="muted-senders">{t('mutedSenders')}</h2>
            </IonListHeader>
            {directory.map((sender) => (
              <IonItem key={sender.senderId}>
                <IonCheckbox
                  checked={muted.includes(sender.senderId)}
                  onIonChange={(e) =>
                    setMuted(
                      e.detail.checked
                        ? [...muted, sender.senderId]
                        : muted.filter((s) => s !== sender.senderId),
                    )
                  }
                >
                  {senderName(sender, [lang])}
                </IonCheckbox>
              </IonItem>
            ))}
            <IonItem lines="none">
              <IonLabel className="ion-text-wrap">
                <p>{t('mandatoryNote')}</p>
              </IonLabel>
            </IonItem>
          </IonList>
          <IonList>
            <IonItem>
              <IonInput
                label={t('alertRegions')}
                labelPlacement="stacked"
                value={regions}
                onIonInput={(e) => setRegions(String(e.detail.value ?? ''))}
                data-testid="regions"
              />
            </IonItem>
          </IonList>
          <div className="ion-padding">
            <IonButton expand="block" onClick={() => void save()} data-testid="save-preferences">
              {t('save')}
            </IonButton>
            {status && (
              <p role="status" data-testid="preferences-status">
                {status}
              </p>
            )}
          </div>
        </main>
      </IonContent>
    </IonPage>
  );
}
