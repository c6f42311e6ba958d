import '../lib/zod-setup';
import { render } from 'preact';
import { Console } from './Console';
import { loadSession } from './session';
import '../app/styles.css';
import './console.css';

/** The admin and support console (/admin). Online only; no service worker of its own, and not in the app's precache. */
render(<Console />, document.getElementById('app')!);
void loadSession();
