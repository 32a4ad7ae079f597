import type { DeviceTwinSummary } from '@device-jobs/client';
import { h, replace, timeCell } from './dom.js';
import { Poller, type View } from './view.js';
import { errorBox, pagerButtons } from './widgets.js';

const PAGE_SIZE = 25;
const REFRESH_MS = 5_000;

function deviceRow(twin: DeviceTwinSummary): HTMLElement {
  const kind = twin.deviceKind === 'real' ? 'real' : 'simulated';
  const state = twin.connectionState ?? 'Disconnected';
  // IoT Hub's "never active" is year 1: shown as a dash.
  const active = twin.lastActivityTime?.startsWith('0001-') ? undefined : twin.lastActivityTime;
  return h(
    'tr',
    { 'data-kind': kind, 'data-connection': state },
    h('th', { scope: 'row' }, twin.deviceId),
    h('td', {}, h('span', { class: `badge badge-${kind}` }, kind)),
    h('td', {}, h('span', { class: `badge badge-${state.toLowerCase()}` }, state)),
    h('td', {}, active === undefined ? '—' : timeCell(active)),
    h('td', {}, twin.status ?? ''),
  );
}

/**
 * `#/devices`: the registry's devices in pages of 25, each real (a client connected with its identity) or
 * simulated, with its connection state and last activity; the page on view is read again every few seconds.
 */
export const devicesView: View = (main, { api }) => {
  const body = h(
    'tbody',
    {},
    h('tr', {}, h('td', { colspan: 5, class: 'muted', 'data-state': 'loading' }, 'Loading devices…')),
  );
  const errors = h('div');
  const pageInfo = h('span', { class: 'muted', 'aria-live': 'polite' });
  let tokens: (string | undefined)[] = [];
  let next: string | undefined;
  const { previous, nextButton } = pagerButtons(
    () => void show(tokens.slice(0, -1)),
    () => void show([...tokens, next]),
  );

  async function show(stack: (string | undefined)[]): Promise<void> {
    try {
      const page = await api.queryPage<DeviceTwinSummary>('SELECT * FROM devices', stack.at(-1), PAGE_SIZE);
      tokens = stack;
      next = page.continuation;
      replace(errors);
      replace(
        body,
        page.items.length === 0
          ? h('tr', {}, h('td', { colspan: 5, class: 'muted', 'data-state': 'empty' }, 'No device yet.'))
          : page.items.map(deviceRow),
      );
      const real = page.items.filter((twin) => twin.deviceKind === 'real').length;
      pageInfo.textContent = `Page ${tokens.length + 1}: ${page.items.length} devices, ${real} real`;
      previous.disabled = tokens.length === 0;
      nextButton.disabled = next === undefined;
    } catch (error) {
      replace(errors, errorBox(error));
    }
  }

  const poller = new Poller(
    () => show(tokens),
    () => REFRESH_MS,
  );
  replace(
    main,
    h('h1', {}, 'Devices'),
    h(
      'p',
      { class: 'muted' },
      'A device is simulated until a real client connects with its identity (docs/devices.md "Real devices").',
    ),
    errors,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'registry' },
        h('caption', { class: 'visually-hidden' }, 'Devices of the registry'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Device', 'Kind', 'Connection', 'Last activity', 'Status'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        body,
      ),
    ),
    h('div', { class: 'pager' }, previous, pageInfo, nextButton),
  );
  void poller.refresh();
  return () => poller.stop();
};
