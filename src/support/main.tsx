import '../lib/zod-setup';
import { render } from 'preact';
import { SupportPage, loadSession } from './SupportPage';
import '../app/styles.css';
import './support.css';

/** The support page (/support): look a user up and reveal one unlock code. Online only; no service worker of its own. */
render(<SupportPage />, document.getElementById('app')!);
void loadSession();
