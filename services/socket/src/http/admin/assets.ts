/** Where the admin pages load their refresh script from (a file: the CSP allows no inline script). */
export const ADMIN_SCRIPT_PATH = '/admin/refresh.js';
/** Where the admin pages load their style sheet from. */
export const ADMIN_STYLE_PATH = '/admin/admin.css';
/** The pages' icon (else browsers ask for /favicon.ico, which is not the view's). */
export const ADMIN_ICON_PATH = '/admin/icon.svg';
/** How often the refresh script re-reads the page, ms. */
export const REFRESH_MS = 3000;
/** The header the refresh script's reads carry: the overview may answer them from a recent read. */
export const REFRESH_HEADER = 'x-admin-refresh';

/**
 * Where JavaScript runs, the live sections of an admin page (`[data-live]`, by id) are re-read from
 * the same URL every few seconds and swapped in; a section the operator is focused in is left alone.
 * Without JavaScript the page is complete as served and the forms work the same.
 */
export const ADMIN_SCRIPT = `'use strict';
(() => {
  const refresh = async () => {
    if (document.hidden) return;
    const live = [...document.querySelectorAll('[data-live]')];
    if (live.length === 0 || live.some((section) => section.contains(document.activeElement))) return;
    const response = await fetch(location.pathname + location.search, {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { '${REFRESH_HEADER}': '1' },
    });
    if (!response.ok) return;
    const next = new DOMParser().parseFromString(await response.text(), 'text/html');
    for (const section of live) {
      const fresh = next.getElementById(section.id);
      if (fresh !== null) section.replaceWith(document.importNode(fresh, true));
    }
    document.documentElement.dataset.refreshed = String(Date.now());
  };
  setInterval(() => void refresh().catch(() => undefined), ${REFRESH_MS});
})();
`;

/** The admin pages' style. */
export const ADMIN_STYLE = `body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem 2rem; color: #222; }
header { display: flex; gap: 1rem; align-items: baseline; border-bottom: 1px solid #ccc; padding-bottom: .5rem; }
header .pod, .count, .offline { color: #666; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ddd; padding: .2rem .5rem; text-align: left; vertical-align: top; }
.notice { background: #e8f5e9; border: 1px solid #9c9; padding: .5rem; }
.error { color: #a00; }
form { margin: .3rem 0; }
form.action { display: inline; }
`;

/** The pages' icon: a plain square. */
export const ADMIN_ICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#345"/></svg>';
