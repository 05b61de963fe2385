import { IonButton } from '@ionic/react';
import { useApp } from './context';

/** Non-blocking: says what notifications can and cannot do here, offers to turn them on. */
export function NotificationBanner() {
  const { notifications, t, enableNotifications } = useApp();
  if (notifications.state === 'granted' && notifications.push) return null;
  const text =
    notifications.reason === 'denied'
      ? t('notifDenied')
      : notifications.reason === 'unsupported'
        ? t('notifUnsupported')
        : notifications.reason === 'no-push-service' || notifications.reason === 'not-configured'
          ? t('notifNoPush')
          : t('notifOff');
  return (
    <div
      className="smis-banner"
      role="status"
      data-testid="notification-banner"
      data-state={notifications.state}
    >
      <p>{text}</p>
      {notifications.state === 'prompt' && (
        <IonButton size="small" fill="outline" onClick={() => void enableNotifications()}>
          {t('enableNotifications')}
        </IonButton>
      )}
    </div>
  );
}
