import {
  IonAlert,
  IonButton,
  IonButtons,
  IonContent,
  IonHeader,
  IonModal,
  IonPage,
  IonTitle,
  IonToolbar,
} from '@ionic/react';
import { useEffect, useMemo, useState } from 'react';
import { buildMessageView } from '../services/content-view';
import { useApp } from './context';
import { MessageBody } from './MessageBody';

export function MessagePage({ messageId }: { messageId: string }) {
  const { t, inbox, lang, navigate, markRead, remove } = useApp();
  const entry = inbox.find((e) => e.item.messageId === messageId);
  const [doc, setDoc] = useState<{ url: string; title: string }>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const opened = entry?.opened;
  const view = useMemo(
    () =>
      opened ? buildMessageView(opened.content, [lang], { envelopeExpiresAt: opened.expiresAt }) : undefined,
    [opened, lang],
  );
  const unread = entry && !entry.item.readAt;

  // The read receipt: only for a verified, shown message.
  useEffect(() => {
    if (opened && unread) void markRead(messageId);
  }, [opened, unread, messageId, markRead]);

  return (
    <IonPage>
      <IonHeader>
        <IonToolbar>
          <IonButtons slot="start">
            <IonButton onClick={() => navigate('/inbox')} data-testid="back">
              {t('back')}
            </IonButton>
          </IonButtons>
          <IonTitle>{view?.title ?? t('inbox')}</IonTitle>
          <IonButtons slot="end">
            <IonButton
              color="danger"
              onClick={() => setConfirmDelete(true)}
              disabled={!entry}
              data-testid="delete"
            >
              {t('delete')}
            </IonButton>
          </IonButtons>
        </IonToolbar>
      </IonHeader>
      <IonContent className="ion-padding">
        <main>
          {!entry ? (
            <p>…</p>
          ) : opened && view ? (
            <MessageBody
              view={view}
              sender={opened.sender}
              lang={lang}
              t={t}
              onOpenDocument={(url, title) => setDoc({ url, title })}
            />
          ) : entry.error ? (
            <p role="alert" data-testid="not-verified">
              {t('notVerified')}
            </p>
          ) : (
            <p role="status">…</p>
          )}
          {entry && (
            <p className="smis-read-state" data-testid="read-state">
              {entry.item.readAt ? t('read') : t('unread')}
            </p>
          )}
        </main>
        <IonModal isOpen={!!doc} onDidDismiss={() => setDoc(undefined)} aria-label={doc?.title}>
          <IonHeader>
            <IonToolbar>
              <IonTitle>{doc?.title}</IonTitle>
              <IonButtons slot="end">
                <IonButton onClick={() => setDoc(undefined)} data-testid="close-document">
                  {t('closeDocument')}
                </IonButton>
              </IonButtons>
            </IonToolbar>
          </IonHeader>
          <IonContent>
            {doc && (
              <iframe
                className="smis-document"
                title={doc.title}
                src={doc.url}
                sandbox="allow-same-origin"
                data-testid="document-viewer"
              />
            )}
          </IonContent>
        </IonModal>
        <IonAlert
          isOpen={confirmDelete}
          header={t('deleteConfirm')}
          onDidDismiss={() => setConfirmDelete(false)}
          buttons={[
            { text: t('cancel'), role: 'cancel' },
            {
              text: t('delete'),
              role: 'destructive',
              handler: () => {
                void remove(messageId).then(() => navigate('/inbox'));
              },
            },
          ]}
        />
      </IonContent>
    </IonPage>
  );
}
