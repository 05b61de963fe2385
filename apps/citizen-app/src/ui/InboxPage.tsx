import {
  IonBadge,
  IonButton,
  IonButtons,
  IonContent,
  IonHeader,
  IonItem,
  IonLabel,
  IonList,
  IonPage,
  IonRefresher,
  IonRefresherContent,
  IonTitle,
  IonToolbar,
} from '@ionic/react';
import { useState } from 'react';
import { senderName } from '../services/content-view';
import { pickText } from '@smis/message-content';
import { useApp } from './context';
import { NotificationBanner } from './NotificationBanner';

export function InboxPage() {
  const { t, inbox, sync, syncing, directory, lang, live, navigate } = useApp();
  const [syncFailed, setSyncFailed] = useState(false);
  /** A refresh the citizen asked for: a failure is said, not swallowed. */
  const refresh = (): Promise<void> =>
    sync().then(
      () => setSyncFailed(false),
      () => setSyncFailed(true),
    );
  const newestFirst = [...inbox].reverse();
  return (
    <IonPage>
      <IonHeader>
        <IonToolbar>
          <IonTitle>{t('inbox')}</IonTitle>
          <IonButtons slot="end">
            <IonButton onClick={() => void refresh()} disabled={syncing} data-testid="refresh">
              {t('refresh')}
            </IonButton>
            <IonButton onClick={() => navigate('/settings')} data-testid="open-settings">
              {t('settings')}
            </IonButton>
          </IonButtons>
        </IonToolbar>
      </IonHeader>
      <IonContent>
        <IonRefresher slot="fixed" onIonRefresh={(e) => void refresh().finally(() => e.detail.complete())}>
          <IonRefresherContent />
        </IonRefresher>
        <main>
          <NotificationBanner />
          {syncFailed && (
            <p className="ion-padding smis-error" role="alert" data-testid="sync-failed">
              {t('syncFailed')}
            </p>
          )}
          <p
            className="smis-live"
            role="status"
            aria-live="polite"
            data-testid="live-state"
            data-state={live}
          >
            {live === 'live' ? t('live') : live === 'offline' ? t('offline') : ''}
          </p>
          {newestFirst.length === 0 ? (
            <p className="ion-padding" data-testid="inbox-empty">
              {t('empty')}
            </p>
          ) : (
            <IonList data-testid="inbox" aria-label={t('inbox')}>
              {newestFirst.map(({ item, opened, error }) => {
                const unread = !item.readAt;
                const title = opened
                  ? pickText(opened.content, [lang]).text.title
                  : error
                    ? t('notVerified')
                    : '…';
                const from = senderName(
                  directory.find((s) => s.senderId === item.senderId),
                  [lang],
                  item.senderId,
                );
                return (
                  <IonItem
                    key={item.messageId}
                    button
                    detail
                    onClick={() => navigate(`/message/${item.messageId}`)}
                    data-testid="inbox-item"
                    data-message-id={item.messageId}
                    data-unread={unread ? 'true' : 'false'}
                  >
                    <IonLabel>
                      <h2 className={unread ? 'smis-unread' : undefined}>{title}</h2>
                      <p>
                        {from} · {new Date(item.receivedAt).toLocaleString(lang)}
                      </p>
                    </IonLabel>
                    {unread && (
                      <IonBadge slot="end" color="primary">
                        {t('unread')}
                      </IonBadge>
                    )}
                  </IonItem>
                );
              })}
            </IonList>
          )}
        </main>
      </IonContent>
    </IonPage>
  );
}
