import '@o2o/web-common/styles.css';
import './styles.css';
import { TrackingPage } from './page.js';

/** `/track/<token>` as served by the api; `?token=` for a page opened from the Vite dev server. */
function tokenFromUrl(): string | null {
  const fromPath = /\/track\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname)?.[1];
  return fromPath ?? new URLSearchParams(location.search).get('token');
}

new TrackingPage(document.querySelector<HTMLElement>('#app')!, tokenFromUrl()).start();
