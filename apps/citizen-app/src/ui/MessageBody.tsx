import type { SenderDirectoryEntry } from '../api/app-channel';
import type { MessageKey, UiLanguage } from '../i18n';
import { safeLogo, senderName, type MessageView } from '../services/content-view';
import { QrCode } from './QrCode';

/**
 * A verified message: sender, title, text in the reader's language, then the parts in order.
 * Plain semantic HTML (headings, figures, links, buttons) so screen readers read it in order.
 */
export function MessageBody(props: {
  view: MessageView;
  sender: SenderDirectoryEntry;
  lang: UiLanguage;
  t(key: MessageKey): string;
  onOpenDocument(url: string, title: string): void;
}) {
  const { view, sender, lang, t } = props;
  const name = senderName(sender, [lang]);
  const logo = safeLogo(sender.logo);
  const dateFormat = new Intl.DateTimeFormat(lang, {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Europe/Brussels',
  });
  return (
    <article className="smis-message" lang={view.lang} aria-labelledby="message-title">
      <header className="smis-sender" data-testid="sender">
        {logo && <img src={logo} alt="" width="40" height="40" />}
        <div>
          <div className="smis-sender-name">
            {t('from')} <strong data-testid="sender-name">{name}</strong>
          </div>
          <div className="smis-verified" data-testid="sender-verified">
            <span aria-hidden="true">✔ </span>
            {t('verifiedSender')}
          </div>
        </div>
      </header>
      <h1 id="message-title" data-testid="message-title">
        {view.title}
      </h1>
      {view.expiry && (
        <p className={view.expiry.expired ? 'smis-expiry smis-expired' : 'smis-expiry'} data-testid="expiry">
          {view.expiry.expired ? t('expired') : t('validUntil')} {dateFormat.format(view.expiry.at)}
        </p>
      )}
      <div className="smis-body" data-testid="message-body">
        {view.body.split('\n').map((line, i) => (
          <p key={i}>{line}</p>
        ))}
      </div>
      {view.parts.map((part, i) => {
        switch (part.kind) {
          case 'qr':
            return (
              <div key={i} data-testid="part-qr">
                <QrCode data={part.data} label={part.label} title={t('qrCode')} />
              </div>
            );
          case 'image':
            return (
              <figure key={i} data-testid="part-image">
                <img src={part.src} alt={part.alt} className="smis-image" />
              </figure>
            );
          case 'ebox':
            return (
              <div key={i} data-testid="part-ebox">
                <button
                  type="button"
                  className="smis-button"
                  onClick={() => props.onOpenDocument(part.url, part.title)}
                >
                  {t('openDocument')}: {part.title}
                </button>
              </div>
            );
          case 'wallet':
            return (
              <div key={i} data-testid="part-wallet">
                {part.valid ? (
                  <a className="smis-button" href={part.offerUri}>
                    {part.title ? `${t('addToWallet')}: ${part.title}` : t('addToWallet')}
                  </a>
                ) : (
                  <p role="note">{t('invalidOffer')}</p>
                )}
              </div>
            );
        }
      })}
    </article>
  );
}
