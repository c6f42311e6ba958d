import '../lib/zod-setup';
import { render } from 'preact';
import { App } from './App';
import { registerServiceWorker } from './sw-register';
import { refreshSession } from './state';
import { startPolicyWatch } from './policy-watch';
import { startSyncTriggers } from './sync';
import './styles.css';

registerServiceWorker();
render(<App />, document.getElementById('app')!);
void refreshSession();
startSyncTriggers();
startPolicyWatch();
