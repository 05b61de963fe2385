import {
  IonButton,
  IonContent,
  IonHeader,
  IonInput,
  IonNote,
  IonPage,
  IonTitle,
  IonToolbar,
} from '@ionic/react';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/http';
import type { IdentityApi, IssuedCredential } from '../api/identity';
import type { MessageKey } from '../i18n';

/** Enrolment: phone number + SMS code, or strong authentication (OIDC, the browser leaves the app). */
export function Onboarding(props: {
  identity: IdentityApi;
  t(key: MessageKey): string;
  onCredential(issued: IssuedCredential): Promise<void>;
  busy: boolean;
  error?: string;
}) {
  const { identity, t } = props;
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [enrolmentId, setEnrolmentId] = useState<string>();
  const [error, setError] = useState<string>();
  const [working, setWorking] = useState(false);

  const run = async (work: () => Promise<void>): Promise<void> => {
    setError(undefined);
    setWorking(true);
    try {
      await work();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : `${t('error')}: ${(e as Error).message}`);
    } finally {
      setWorking(false);
    }
  };

  const sendCode = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const started = await identity.startPhoneEnrolment(phone.trim());
      setEnrolmentId(started.enrolmentId);
    });
  };
  const verify = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const issued = await identity.verifyPhoneEnrolment(enrolmentId as string, code.trim());
      await props.onCredential(issued);
    });
  };
  const strong = () =>
    void run(async () => {
      const started = await identity.startOidc();
      sessionStorage.setItem('smis-oidc-pending', started.enrolmentId);
      window.location.assign(started.authorizationUrl);
    });

  const shown = error ?? props.error;
  return (
    <IonPage>
      <IonHeader>
        <IonToolbar>
          <IonTitle>{t('appTitle')}</IonTitle>
        </IonToolbar>
      </IonHeader>
      <IonContent className="ion-padding">
        <main>
          <p>{t('welcome')}</p>
          {!enrolmentId ? (
            <form onSubmit={sendCode} aria-label={t('sendCode')}>
              <IonInput
                data-testid="phone"
                label={t('phoneLabel')}
                labelPlacement="stacked"
                type="tel"
                autocomplete="tel"
                inputmode="tel"
                required
                value={phone}
                onIonInput={(e) => setPhone(String(e.detail.value ?? ''))}
              />
              <IonButton
                type="submit"
                expand="block"
                disabled={working || !phone.trim()}
                data-testid="send-code"
              >
                {t('sendCode')}
              </IonButton>
            </form>
          ) : (
            <form onSubmit={verify} aria-label={t('verify')}>
              <IonInput
                data-testid="code"
                label={t('codeLabel')}
                labelPlacement="stacked"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength={6}
                required
                value={code}
                onIonInput={(e) => setCode(String(e.detail.value ?? ''))}
              />
              <IonButton
                type="submit"
                expand="block"
                disabled={working || props.busy || code.trim().length < 6}
                data-testid="verify"
              >
                {t('verify')}
              </IonButton>
            </form>
          )}
          <h2 className="smis-subtitle">{t('orStrong')}</h2>
          <IonButton
            expand="block"
            fill="outline"
            onClick={strong}
            disabled={working || props.busy}
            data-testid="oidc"
          >
            {t('strongAuth')}
          </IonButton>
          {(working || props.busy) && <p role="status">{t('enrolling')}</p>}
          {shown && (
            <IonNote color="danger" role="alert" data-testid="onboarding-error">
              {shown}
            </IonNote>
          )}
        </main>
      </IonContent>
    </IonPage>
  );
}
