import { setupIonicReact } from '@ionic/react';
import '@ionic/react/css/core.css';
import '@ionic/react/css/normalize.css';
import '@ionic/react/css/structure.css';
import '@ionic/react/css/typography.css';
import '@ionic/react/css/padding.css';
import './styles.css';
import { createRoot } from 'react-dom/client';
import { createHttpClient, resolveApiBase } from './api/http';
import { identityApi } from './api/identity';
import { browserPushEnvironment } from './services/push';
import { CitizenSession } from './services/session';
import { defaultStore } from './services/storage';
import { App } from './ui/App';

setupIonicReact({ mode: 'md' });

const http = createHttpClient(resolveApiBase());
const services = {
  http,
  identity: identityApi(http),
  session: new CitizenSession(defaultStore()),
  push: browserPushEnvironment(),
  deviceLanguages: navigator.languages ?? [navigator.language],
};

createRoot(document.getElementById('root') as HTMLElement).render(<App services={services} />);
