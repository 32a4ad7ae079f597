import { DeviceJobsClient, parseConnectionString, SasAuthorizer } from '@device-jobs/client';
import { h, replace, uid } from './dom.js';
import { devicesView } from './devices-page.js';
import { jobPageView } from './job-page.js';
import { jobsListView } from './jobs-list.js';
import { newJobView } from './new-job.js';
import { scheduleView, schedulesView } from './schedules.js';
import type { View, ViewContext } from './view.js';
import { clearSession, loadSession, saveSession, signingIdentity, type SigningIdentity } from './session.js';
import { errorBox } from './widgets.js';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;
let leave: () => void = () => undefined;
/** The signed-in client; its key is a non-extractable CryptoKey, the raw connection string is never kept. */
let api: DeviceJobsClient | undefined;

function announce(message: string): void {
  live.textContent = '';
  // A fresh text node after a tick, so that screen readers repeat an identical message.
  setTimeout(() => (live.textContent = message), 50);
}

/** The API of this origin, signed with the identity's non-extractable key (Web Crypto). */
function clientOf(identity: SigningIdentity): DeviceJobsClient {
  const connection = { hostName: identity.hostName, keyName: identity.keyName, key: '' };
  return new DeviceJobsClient({
    baseUrl: location.origin,
    authorizer: new SasAuthorizer(connection, identity.hmac),
  });
}

function signOut(): void {
  api = undefined;
  void clearSession().finally(() => {
    location.hash = '#/signin';
    route();
  });
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
        const identity = await signingIdentity(parseConnectionString(connection.value));
        const candidate = clientOf(identity);
        await candidate.verify();
        await saveSession(identity);
        connection.value = '';
        api = candidate;
        if (location.hash === '#/jobs') route();
        else location.hash = '#/jobs';
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

/** A link's path segment, decoded; undefined when it is not valid percent-encoding. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const malformedLinkView: View = (container) => {
  replace(
    container,
    h('h1', {}, 'Malformed link'),
    errorBox(new Error(`This link does not name a job: ${location.hash}`)),
    h('p', {}, h('a', { href: '#/jobs' }, 'Back to the jobs')),
  );
  return () => undefined;
};

function route(): void {
  leave();
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
    h('a', { href: '#/schedules' }, 'Schedules'),
    h('a', { href: '#/devices' }, 'Devices'),
    h('button', { type: 'button', class: 'link', onclick: signOut }, 'Sign out'),
  );
  const context: ViewContext = { api, announce };
  const [section, id] = path;
  if (section === 'devices') {
    document.title = 'Devices · Device jobs';
    leave = devicesView(main, context, []);
  } else if (section === 'new') {
    document.title = 'New job · Device jobs';
    leave = newJobView(main, context, []);
  } else if (section === 'schedules') {
    const scheduleId = id === undefined ? undefined : decodeSegment(id);
    if (id !== undefined && scheduleId === undefined) {
      document.title = 'Malformed link · Device jobs';
      leave = malformedLinkView(main, context, []);
    } else if (scheduleId !== undefined) {
      document.title = `${scheduleId} · Schedules · Device jobs`;
      leave = scheduleView(main, context, [scheduleId]);
    } else {
      document.title = 'Schedules · Device jobs';
      leave = schedulesView(main, context, []);
    }
  } else if (section === 'jobs' && id) {
    const jobId = decodeSegment(id);
    if (jobId === undefined) {
      document.title = 'Malformed link · Device jobs';
      leave = malformedLinkView(main, context, []);
    } else {
      document.title = `${jobId} · Device jobs`;
      leave = jobPageView(main, context, [jobId]);
    }
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
void loadSession()
  .catch(() => undefined)
  .then((identity) => {
    api = identity ? clientOf(identity) : undefined;
    route();
  });
