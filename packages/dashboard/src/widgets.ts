import { h, svg } from './dom.js';
import type { DeviceJobStatistics } from '@device-jobs/client';
import { percentDone } from './model.js';
import type { ProgressSample } from './progress.js';

/** A status badge; the colour repeats the word, never replaces it. */
export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}` }, status);
}

function segment(kind: string, count: number, total: number): HTMLElement {
  const part = h('span', { class: `bar-${kind}` });
  part.style.width = `${total === 0 ? 0 : (count * 100) / total}%`;
  return part;
}

/** A stacked bar of succeeded, failed and running devices, exposed as one progressbar (finished percent). */
export function progressBar(stats: DeviceJobStatistics, label: string): HTMLElement {
  const percent = percentDone(stats);
  const total = stats.deviceCount;
  return h(
    'div',
    {
      class: 'bar',
      role: 'progressbar',
      'aria-label': label,
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': percent,
      'aria-valuetext': `${percent}% (${stats.succeededCount} succeeded, ${stats.failedCount} failed, ${stats.runningCount} running, ${stats.pendingCount} pending of ${total})`,
    },
    segment('succeeded', stats.succeededCount, total),
    segment('failed', stats.failedCount, total),
    segment('running', stats.runningCount, total),
  );
}

/** The smallest of 4, 8, 10, 20, 40, 50, 80, 100, … at or above the value: four grid steps of round numbers. */
function niceCeiling(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 4, 5, 8, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** A clock time; with tenths of a second when the chart spans under a minute, so its two ends never read alike. */
function clockLabel(at: number, tenths: boolean): string {
  return new Date(at).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    ...(tenths ? { fractionalSecondDigits: 1 } : {}),
  });
}

/** Devices finished over time: the cumulative count of finished and of failed devices, as an SVG line chart. */
export function finishedChart(samples: readonly ProgressSample[], deviceCount: number): Element {
  const width = 640;
  const height = 220;
  const left = 48;
  const right = 12;
  const top = 12;
  const bottom = 28;
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last) {
    return h('p', { class: 'muted', 'data-state': 'empty' }, 'No device has finished yet.');
  }
  const maxY = niceCeiling(Math.max(deviceCount, last.finished, 1));
  const span = Math.max(last.at - first.at, 1000);
  const tenths = last.at - first.at < 60_000;
  const from = clockLabel(first.at, tenths);
  const to = clockLabel(last.at, tenths);
  const x = (at: number) => left + ((at - first.at) / span) * (width - left - right);
  const y = (count: number) => top + (1 - count / maxY) * (height - top - bottom);
  const line = (pick: (sample: ProgressSample) => number) =>
    [{ ...first, finished: 0, failed: 0 }, ...samples]
      .map((s) => `${x(s.at).toFixed(1)},${y(pick(s)).toFixed(1)}`)
      .join(' ');
  const grid: Element[] = [];
  for (let i = 0; i <= 4; i += 1) {
    const value = (maxY * i) / 4;
    grid.push(
      svg('line', { x1: left, x2: width - right, y1: y(value), y2: y(value), class: 'grid' }),
      svg(
        'text',
        { x: left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'axis' },
        document.createTextNode(String(Math.round(value))),
      ),
    );
  }
  grid.push(
    svg('text', { x: left, y: height - 8, class: 'axis' }, document.createTextNode(from)),
    svg(
      'text',
      { x: width - right, y: height - 8, 'text-anchor': 'end', class: 'axis' },
      document.createTextNode(to),
    ),
  );
  const title = svg(
    'title',
    {},
    document.createTextNode(`Devices finished over time: ${last.finished} finished, ${last.failed} failed`),
  );
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      class: 'chart',
      role: 'img',
      'aria-label': `Devices finished over time: ${last.finished} finished, ${last.failed} failed, between ${from} and ${to}`,
    },
    title,
    ...grid,
    svg('polyline', { points: line((s) => s.finished), class: 'line-finished' }),
    svg('polyline', { points: line((s) => s.failed), class: 'line-failed' }),
  );
}

export function chartLegend(): HTMLElement {
  return h(
    'p',
    { class: 'legend' },
    h('span', { class: 'key key-finished' }),
    'finished ',
    h('span', { class: 'key key-failed' }),
    'failed or canceled',
  );
}

/** A message area for errors: `code: message` as the service answered. */
export function errorBox(error: unknown): HTMLElement {
  return h('div', { class: 'error', role: 'alert' }, describeError(error));
}

export function describeError(error: unknown): string {
  if (
    error &&
    typeof error === 'object' &&
    'code' in error &&
    typeof error.code === 'string' &&
    error instanceof Error
  ) {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A table of rows in its scrolling wrapper: its class, a caption for screen readers, column headers, its body. */
export function dataTable(
  tableClass: string,
  caption: string | undefined,
  columns: readonly string[],
  body: HTMLTableSectionElement,
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: tableClass },
      caption === undefined ? undefined : h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, ...columns.map((column) => h('th', { scope: 'col' }, column)))),
      body,
    ),
  );
}

/** A table's "← Previous" and "Next →" buttons (the caller disables them at the ends). */
export function pagerButtons(
  onPrevious: () => void,
  onNext: () => void,
): { previous: HTMLButtonElement; nextButton: HTMLButtonElement } {
  return {
    previous: h('button', { type: 'button', class: 'secondary', onclick: onPrevious }, '← Previous'),
    nextButton: h('button', { type: 'button', class: 'secondary', onclick: onNext }, 'Next →'),
  };
}
