import '@o2o/web-common/styles.css';
import './ops.css';
import { showConsole } from './console-view.js';
import { byId } from './dom.js';
import { showLogin } from './login-view.js';
import { loadSession, logOut, type Session } from './session.js';

const root = byId('root');

function start(session: Session | null): void {
  if (!session) {
    showLogin(root, start);
    return;
  }
  void showConsole(root, session, () => {
    logOut();
    start(null);
  });
}

start(loadSession());
