import '@o2o/web-common/styles.css';
import './styles.css';
import { CourierApp } from './app.js';

const demo = new URLSearchParams(location.search).get('demo') === '1';
new CourierApp(document.querySelector<HTMLElement>('#app')!, demo).start();
