/** The app's own strings in the platform's languages (message content has its own fallback). */
export const UI_LANGUAGES = ['nl', 'fr', 'de', 'en'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

const en = {
  syncFailed: 'The inbox could not be refreshed. Check your connection and try again.',
  appTitle: 'Government messages',
  welcome: 'Receive messages from public services securely on this device.',
  phoneLabel: 'Mobile phone number',
  sendCode: 'Send code by SMS',
  codeLabel: 'Code received by SMS',
  verify: 'Confirm',
  orStrong: 'Or sign in with strong authentication',
  strongAuth: 'Sign in with itsme® / eID',
  enrolling: 'Setting up this device…',
  inbox: 'Inbox',
  settings: 'Settings',
  refresh: 'Refresh',
  empty: 'No messages yet.',
  unread: 'Unread',
  read: 'Read',
  from: 'From',
  verifiedSender: 'Verified sender',
  notVerified: 'This message could not be verified and is not shown.',
  back: 'Back',
  delete: 'Delete',
  deleteConfirm: 'Delete this message?',
  cancel: 'Cancel',
  validUntil: 'Valid until',
  expired: 'Expired on',
  openDocument: 'Open document',
  closeDocument: 'Close document',
  addToWallet: 'Add to my wallet',
  invalidOffer: 'This wallet offer is not valid.',
  qrCode: 'QR code',
  live: 'Connected: new messages appear automatically.',
  offline: 'Not connected: pull down to refresh.',
  notifOff: 'Notifications are off. New messages still appear here when the app is open.',
  notifDenied: 'Notifications were refused. You can allow them in your device settings.',
  notifUnsupported: 'This device cannot show notifications. New messages appear here when the app is open.',
  notifNoPush:
    'Notifications are allowed but no push service is reachable. New messages appear here when the app is open.',
  enableNotifications: 'Turn on notifications',
  language: 'Language',
  channelOrder: 'Order of channels',
  moveUp: 'Move up',
  moveDown: 'Move down',
  mutedSenders: 'Muted senders (non-mandatory messages only)',
  alertRegions: 'Regions for alerts (NIS codes, comma separated)',
  save: 'Save',
  saved: 'Preferences saved.',
  error: 'Something went wrong',
  mandatoryNote: 'Mandatory messages (such as official notices) are always delivered.',
} as const;

export type MessageKey = keyof typeof en;
type Dictionary = Record<MessageKey, string>;

const nl: Dictionary = {
  ...en,
  syncFailed: 'De inbox kon niet worden vernieuwd. Controleer je verbinding en probeer opnieuw.',
  appTitle: 'Berichten van de overheid',
  welcome: 'Ontvang berichten van overheidsdiensten veilig op dit toestel.',
  phoneLabel: 'Gsm-nummer',
  sendCode: 'Code per sms versturen',
  codeLabel: 'Code ontvangen per sms',
  verify: 'Bevestigen',
  orStrong: 'Of meld u aan met sterke authenticatie',
  strongAuth: 'Aanmelden met itsme® / eID',
  enrolling: 'Dit toestel wordt ingesteld…',
  inbox: 'Inbox',
  settings: 'Instellingen',
  refresh: 'Vernieuwen',
  empty: 'Nog geen berichten.',
  unread: 'Ongelezen',
  read: 'Gelezen',
  from: 'Van',
  verifiedSender: 'Geverifieerde afzender',
  notVerified: 'Dit bericht kon niet worden geverifieerd en wordt niet getoond.',
  back: 'Terug',
  delete: 'Verwijderen',
  deleteConfirm: 'Dit bericht verwijderen?',
  cancel: 'Annuleren',
  validUntil: 'Geldig tot',
  expired: 'Verlopen op',
  openDocument: 'Document openen',
  closeDocument: 'Document sluiten',
  addToWallet: 'Toevoegen aan mijn wallet',
  qrCode: 'QR-code',
  language: 'Taal',
  save: 'Opslaan',
  saved: 'Voorkeuren opgeslagen.',
  enableNotifications: 'Meldingen inschakelen',
};

const fr: Dictionary = {
  ...en,
  syncFailed: 'La boîte de réception n’a pas pu être actualisée. Vérifiez votre connexion et réessayez.',
  appTitle: 'Messages des autorités',
  welcome: 'Recevez en toute sécurité les messages des services publics sur cet appareil.',
  phoneLabel: 'Numéro de GSM',
  sendCode: 'Envoyer le code par SMS',
  codeLabel: 'Code reçu par SMS',
  verify: 'Confirmer',
  strongAuth: 'Se connecter avec itsme® / eID',
  inbox: 'Boîte de réception',
  settings: 'Paramètres',
  refresh: 'Actualiser',
  empty: 'Pas encore de messages.',
  unread: 'Non lu',
  read: 'Lu',
  from: 'De',
  verifiedSender: 'Expéditeur vérifié',
  back: 'Retour',
  delete: 'Supprimer',
  cancel: 'Annuler',
  validUntil: "Valable jusqu'au",
  openDocument: 'Ouvrir le document',
  addToWallet: 'Ajouter à mon portefeuille',
  qrCode: 'Code QR',
  language: 'Langue',
  save: 'Enregistrer',
};

const de: Dictionary = {
  ...en,
  syncFailed:
    'Der Posteingang konnte nicht aktualisiert werden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
  appTitle: 'Nachrichten der Behörden',
  welcome: 'Empfangen Sie Nachrichten öffentlicher Dienste sicher auf diesem Gerät.',
  phoneLabel: 'Handynummer',
  sendCode: 'Code per SMS senden',
  codeLabel: 'Per SMS erhaltener Code',
  verify: 'Bestätigen',
  strongAuth: 'Mit itsme® / eID anmelden',
  inbox: 'Posteingang',
  settings: 'Einstellungen',
  refresh: 'Aktualisieren',
  empty: 'Noch keine Nachrichten.',
  unread: 'Ungelesen',
  read: 'Gelesen',
  from: 'Von',
  verifiedSender: 'Verifizierter Absender',
  back: 'Zurück',
  delete: 'Löschen',
  cancel: 'Abbrechen',
  validUntil: 'Gültig bis',
  openDocument: 'Dokument öffnen',
  addToWallet: 'Zu meiner Wallet hinzufügen',
  qrCode: 'QR-Code',
  language: 'Sprache',
  save: 'Speichern',
};

const DICTIONARIES: Record<UiLanguage, Dictionary> = { nl, fr, de, en };

export function translator(lang: UiLanguage): (key: MessageKey) => string {
  const dictionary = DICTIONARIES[lang] ?? en;
  return (key) => dictionary[key];
}

/** The first supported language among the device's (BCP 47, primary subtag), else Dutch. */
export function initialLanguage(deviceLanguages: readonly string[]): UiLanguage {
  for (const tag of deviceLanguages) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if ((UI_LANGUAGES as readonly string[]).includes(primary)) return primary as UiLanguage;
  }
  return 'nl';
}

export const LANGUAGE_NAMES: Record<UiLanguage, string> = {
  nl: 'Nederlands',
  fr: 'Français',
  de: 'Deutsch',
  en: 'English',
};
