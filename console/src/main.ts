/**
 * The web console (`GET /console`): a single page over the API on its own origin. Each view is a
 * function that reads the API and renders into the main element; the active view is re-read every
 * {@link POLL_INTERVAL_MS} while it is one of the live views (topology, breakers). The bearer
 * token, if any, lives in sessionStorage (this tab only); with auth off no token is needed.
 */
import { ApiError, storedToken, storeToken } from './api';
import { renderBreakers } from './breakers';
import { renderContracts } from './contracts';
import { renderDeadLetters } from './dead-letters';
import { h, replace } from './dom';
import { renderEvents } from './events';
import { renderTopology } from './topology';

/** How often the live views re-read the API, ms. */
const POLL_INTERVAL_MS = 3000;

const VIEWS = {
  topology: { title: 'Topology', render: renderTopology, live: true },
  breakers: { title: 'Breakers', render: renderBreakers, live: true },
  'dead-letters': { title: 'Dead letters', render: renderDeadLetters, live: false },
  contracts: { title: 'Contracts', render: renderContracts, live: false },
  events: { title: 'Event log', render: renderEvents, live: false },
} as const;
type ViewName = keyof typeof VIEWS;

const main = h('main', { id: 'view' });
const status = h('p', { class: 'status', role: 'status' });
let timer: ReturnType<typeof setTimeout> | undefined;

function currentView(): ViewName {
  const name = location.hash.slice(1);
  return name in VIEWS ? (name as ViewName) : 'topology';
}

async function show(): Promise<void> {
  clearTimeout(timer);
  const name = currentView();
  const view = VIEWS[name];
  document.title = `${view.title} · Agent Integration Framework`;
  for (const link of document.querySelectorAll('nav a')) {
    link.setAttribute('aria-current', link.getAttribute('href') === `#${name}` ? 'page' : 'false');
  }
  try {
    await view.render(main);
    replace(status, view.live ? `Live: refreshed ${new Date().toLocaleTimeString()}` : '');
  } catch (error) {
    const hint =
      error instanceof ApiError && (error.status === 401 || error.status === 403)
        ? ' — enter a token with the scopes this view reads'
        : '';
    replace(status, h('span', { class: 'error' }, `${(error as Error).message}${hint}`));
  }
  if (view.live && name === currentView()) timer = setTimeout(() => void show(), POLL_INTERVAL_MS);
}

function signIn(): HTMLFormElement {
  const token = h('input', {
    type: 'password',
    name: 'token',
    placeholder: 'Bearer token (empty when auth is off)',
    autocomplete: 'off',
    value: storedToken(),
  });
  const state = h('span', { class: 'token-state', 'data-testid': 'token-state' });
  const label = () => replace(state, storedToken() === '' ? 'no token' : 'token set');
  label();
  return h(
    'form',
    {
      class: 'sign-in',
      onsubmit: (event: Event) => {
        event.preventDefault();
        storeToken(token.value.trim());
        label();
        void show();
      },
    },
    token,
    h('button', { type: 'submit' }, 'Use token'),
    state,
  );
}

document.body.append(
  h(
    'header',
    {},
    h('h1', {}, 'Agent Integration Framework'),
    h(
      'nav',
      {},
      ...Object.entries(VIEWS).map(([name, view]) => h('a', { href: `#${name}`, 'data-view': name }, view.title)),
    ),
    signIn(),
  ),
  status,
  main,
);
window.addEventListener('hashchange', () => void show());
void show();
