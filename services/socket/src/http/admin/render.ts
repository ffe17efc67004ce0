import type { NodeStatus } from '@gamesocket/presence';
import { CSRF_FIELD } from './csrf.js';
import type { ClusterView, Part, UserView } from './cluster-read.js';
import { ADMIN_ICON_PATH, ADMIN_SCRIPT_PATH, ADMIN_STYLE_PATH } from './assets.js';

/** HTML-escapes text for element content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The path of a user's page. */
export const userPath = (userId: string): string => `/admin/users/${encodeURIComponent(userId)}`;

/** A page's frame: everything escaped by the callers, no inline script or style (the CSP forbids them). */
export function layout(title: string, nodeId: string, body: string, notice?: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)} — gamesocket admin</title>`,
    `<link rel="icon" href="${ADMIN_ICON_PATH}"><link rel="stylesheet" href="${ADMIN_STYLE_PATH}"><script src="${ADMIN_SCRIPT_PATH}" defer></script>`,
    '</head><body>',
    `<header><a href="/admin">gamesocket admin</a> <span class="pod">served by ${escapeHtml(nodeId)}</span></header>`,
    notice === undefined ? '' : `<p class="notice" role="status" id="notice">${escapeHtml(notice)}</p>`,
    `<main>${body}</main></body></html>`,
  ].join('');
}

const cell = (value: unknown): string =>
  `<td>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</td>`;

const unavailable = (part: Part<unknown>): string =>
  part.ok ? '' : `<p class="error">unavailable: ${escapeHtml(part.error)}</p>`;

const userLink = (userId: string): string => `<a href="${escapeHtml(userPath(userId))}">${escapeHtml(userId)}</a>`;

function podRow(pod: NodeStatus): string {
  const r = pod.report;
  const state = !pod.alive ? 'dead (awaiting reaper)' : r?.draining === true ? 'draining' : 'serving';
  return `<tr><td>${escapeHtml(pod.nodeId)}</td>${cell(state)}${cell(r?.connections ?? '?')}${cell(
    r?.eventsInPerSec ?? '?',
  )}${cell(r?.eventsOutPerSec ?? '?')}${cell(new Date(pod.expiresAt).toISOString())}</tr>`;
}

const showing = (shown: number, matched: number, what: string): string =>
  `<p class="count">showing ${shown} of ${matched} ${what}</p>`;

/** The overview: this pod, then pods, users online and rooms, cluster-wide. */
export function overviewPage(view: ClusterView, local: Record<string, unknown>): string {
  const localRows = Object.entries(local)
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th>${cell(value)}</tr>`)
    .join('');
  const stats = view.stats.ok
    ? `<p>${view.stats.value.online} users online, ${view.stats.value.connections} sockets, ${view.stats.value.nodes} pods alive</p>`
    : unavailable(view.stats);
  const pods = view.pods.ok
    ? `<table><thead><tr><th>pod</th><th>state</th><th>sockets</th><th>events in/s</th><th>events out/s</th><th>heartbeat until</th></tr></thead><tbody>${view.pods.value
        .map(podRow)
        .join('')}</tbody></table>`
    : unavailable(view.pods);
  const users = view.users.ok
    ? `${showing(view.users.value.users.length, view.users.value.matched, 'users')}<table><thead><tr><th>user</th><th>name</th><th>status</th><th>sockets (pod)</th></tr></thead><tbody>${view.users.value.users
        .map(
          (user) =>
            `<tr><td>${userLink(user.userId)}</td>${cell(user.username)}${cell(user.status)}<td>${user.sockets
              .map((s) => `${escapeHtml(s.socketId)} (${escapeHtml(s.nodeId)})`)
              .join('<br>')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : unavailable(view.users);
  const rooms = view.rooms.ok
    ? `${showing(view.rooms.value.rooms.length, view.rooms.value.matched, 'rooms')}<table><thead><tr><th>room</th><th>members</th></tr></thead><tbody>${view.rooms.value.rooms
        .map((room) => {
          const more = room.members - room.shown.length;
          const names = room.shown
            .map((m) => `${userLink(m.userId)}${m.online ? '' : ' <span class="offline">(offline)</span>'}`)
            .join(', ');
          return `<tr><td>${escapeHtml(room.room)}</td><td>${room.members}: ${names}${more > 0 ? ` and ${more} more` : ''}</td></tr>`;
        })
        .join('')}</tbody></table>`
    : unavailable(view.rooms);
  const search = escapeHtml(view.search);
  return [
    '<section><h2>Find a user</h2>',
    '<form method="get" action="/admin/users"><label>user id <input name="id" required></label> <button>Open</button></form>',
    `<form method="get" action="/admin"><label>filter users and rooms by id <input name="q" value="${search}"></label> <button>Filter</button></form></section>`,
    `<section id="cluster" data-live><h2>Cluster</h2>${stats}<h3>Pods</h3>${pods}<h3>Users online</h3>${users}<h3>Rooms</h3>${rooms}</section>`,
    `<section id="local" data-live><h2>This pod</h2><table>${localRows}</table></section>`,
  ].join('');
}

const hidden = (name: string, value: string): string =>
  `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/** A POST form to `action` with the CSRF token, `fields` and one button. */
function actionForm(action: string, csrf: string, fields: string, button: string): string {
  return `<form method="post" action="${escapeHtml(action)}" class="action">${hidden(
    CSRF_FIELD,
    csrf,
  )}${fields}<button>${escapeHtml(button)}</button></form>`;
}

/** A user's page: presence, sockets, memberships, and the actions on them. */
export function userPage(view: UserView, csrf: string): string {
  const base = userPath(view.userId);
  const presence = view.presence.ok
    ? `<p>${view.presence.value.online ? `online (${escapeHtml(view.presence.value.status ?? '')})` : 'offline'}, ${view.presence.value.connections} sockets</p>`
    : unavailable(view.presence);
  const sockets = view.sockets.ok
    ? view.sockets.value.length === 0
      ? '<p>no socket</p>'
      : `<table><thead><tr><th>socket</th><th>pod</th></tr></thead><tbody>${view.sockets.value
          .map((s) => `<tr>${cell(s.socketId)}${cell(s.nodeId)}</tr>`)
          .join('')}</tbody></table>`
    : unavailable(view.sockets);
  const rooms = view.rooms.ok
    ? view.rooms.value.length === 0
      ? '<p>no membership</p>'
      : `<table><thead><tr><th>room</th><th></th></tr></thead><tbody>${view.rooms.value
          .map(
            (room) =>
              `<tr>${cell(room)}<td>${actionForm(`${base}/kick`, csrf, hidden('room', room), 'Kick')}</td></tr>`,
          )
          .join('')}</tbody></table>`
    : unavailable(view.rooms);
  const revokeFields =
    '<label>for <select name="hours"><option value="1">1 hour</option><option value="24" selected>24 hours</option><option value="720">30 days</option></select></label> ';
  return [
    `<h1>User ${escapeHtml(view.userId)}</h1>`,
    `<section id="user-state" data-live><h2>Presence</h2>${presence}<h2>Sockets</h2>${sockets}<h2>Memberships</h2>${rooms}</section>`,
    '<section><h2>Actions</h2>',
    '<p>Disconnect closes every socket of the user; they may reconnect at once.</p>',
    actionForm(`${base}/disconnect`, csrf, '', 'Disconnect'),
    '<p>Revoke refuses their tokens for the time chosen, ends their memberships and closes their sockets.</p>',
    actionForm(`${base}/revoke`, csrf, revokeFields, 'Revoke'),
    '</section>',
  ].join('');
}

/** An error page (the status is the caller's). */
export function errorPage(nodeId: string, title: string, message: string): string {
  return layout(title, nodeId, `<h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p>`);
}
