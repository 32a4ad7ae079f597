import {
  DeviceJobsClient,
  parseConnectionString,
  SasAuthorizer,
  type ServiceConnection,
} from '@device-jobs/client';
import { h, replace, uid } from './dom.js';
import { jobPageView } from './job-page.js';
import { jobsListView } from './jobs-list.js';
import { newJobView } from './new-job.js';
import type { View, ViewContext } from './view.js';
import { errorBox } from './widgets.js';

/** sessionStorage only: the key leaves with the tab, never lands on disk in localStorage or a cookie. */
const SESSION_KEY = 'deviceJobs.connectionString';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;
let leave: () => void = () => undefined;

function announce(message: string): void {
  live.textContent = '';
  // A fresh text node after a tick, so that screen readers repeat an identical message.
  setTimeout(() => (live.textContent = message), 50);
}

/** The API of this origin, signed with the connection's policy (Web Crypto). */
function clientOf(connection: ServiceConnection): DeviceJobsClient {
  return new DeviceJobsClient({ baseUrl: location.origin, authorizer: new SasAuthorizer(connection) });
}

function signedInApi(): DeviceJobsClient | undefined {
  const stored = sessionStorage.getItem(SESSION_KEY);
  if (!stored) return undefined;
  try {
    return clientOf(parseConnectionString(stored));
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return undefined;
  }
}

function signOut(): void {
  sessionStorage.removeItem(SESSION_KEY);
  location.hash = '#/signin';
  route();
}

const signInView: View = (container) => {
  const id = uid('connection');
  const hintId = `${id}-hint`;
  const connection = h('input', {
    id,
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': hintId,
  });
  const errors = h('div');
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin', novalidate: true },
    h('h1', {}, 'Sign in'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, 'Service connection string'),
      h(
        'p',
        { class: 'hint', id: hintId },
        'HostName=…;SharedAccessKeyName=…;SharedAccessKey=… of a policy with ServiceConnect (and RegistryRead). It stays in this browser tab (session storage); requests carry SAS tokens computed here.',
      ),
      connection,
    ),
    errors,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      button.disabled = true;
      try {
        const api = clientOf(parseConnectionString(connection.value));
        await api.verify();
        sessionStorage.setItem(SESSION_KEY, connection.value.trim());
        location.hash = '#/jobs';
      } catch (error) {
        replace(errors, errorBox(error));
        connection.setAttribute('aria-invalid', 'true');
        connection.focus();
      } finally {
        button.disabled = false;
      }
    })();
  });
  replace(container, form);
  connection.focus();
  return () => undefined;
};

function route(): void {
  leave();
  const api = signedInApi();
  const path = location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '');
  replace(nav);
  if (!api) {
    document.title = 'Sign in · Device jobs';
    leave = signInView(main, { announce } as ViewContext, []);
    return;
  }
  replace(
    nav,
    h('a', { href: '#/jobs' }, 'Jobs'),
    h('a', { href: '#/new' }, 'New job'),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  );
  const context: ViewContext = { api, announce };
  const [section, id] = path;
  if (section === 'new') {
    document.title = 'New job · Device jobs';
    leave = newJobView(main, context, []);
  } else if (section === 'jobs' && id) {
    document.title = `${decodeURIComponent(id)} · Device jobs`;
    leave = jobPageView(main, context, [id]);
  } else {
    document.title = 'Jobs · Device jobs';
    leave = jobsListView(main, context, []);
  }
  main.focus({ preventScroll: true });
}

// The skip link must not change the hash, which is the router's.
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
route();
