/* SMIS citizen app service worker: Web Push. The payload carries an opaque message id only
   (ARCHITECTURE.md); the app fetches and decrypts the envelope itself. */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let messageId = '';
  try {
    messageId = (event.data && event.data.json().messageId) || '';
  } catch (e) {
    messageId = '';
  }
  event.waitUntil(
    self.registration.showNotification('New government message', {
      body: 'Open the app to read it.',
      tag: messageId || 'smis',
      data: { messageId },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const id = event.notification.data && event.notification.data.messageId;
  const target = new URL(id ? `./#/message/${encodeURIComponent(id)}` : './', self.registration.scope).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      for (const w of windows) if ('focus' in w) return w.navigate(target).then((c) => c && c.focus());
      return self.clients.openWindow(target);
    }),
  );
});
