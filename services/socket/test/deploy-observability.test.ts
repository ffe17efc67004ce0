/** The Grafana dashboard and the Prometheus alert rules against the metrics a running service exports. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import t from 'tap';
import { ERROR_CODES } from '@gamesocket/protocol';
import {
  WAIT_MS,
  connectClient,
  createClient,
  eventually,
  mintToken,
  request,
  startService,
  waitFor,
  type TestSocket,
} from '@gamesocket/test-helpers';
import {
  ROOT,
  rec,
  list,
  text,
  at,
  manifest,
  PROMETHEUS_SYNTHETIC,
  metricNamesOf,
  byLabelsOf,
  matchersOf,
  parseExposition,
  exportedNames,
  dashboard,
  dashboardPanels,
  dashboardTemplating,
  dashboardExprs,
  variableQueries,
  alertRules,
  alertExprs,
} from './deploy/artifacts.js';

t.test('Grafana dashboard: schema, datasource variable, panels for every metric asked for', async (t) => {
  t.ok(Number(dashboard.schemaVersion) >= 36, `schemaVersion ${String(dashboard.schemaVersion)} >= 36`);
  const datasourceVar = dashboardTemplating.find((v) => v.type === 'datasource');
  t.equal(datasourceVar?.query, 'prometheus', 'a Prometheus datasource variable');
  const uid = `\${${String(datasourceVar?.name)}}`;
  const ids = dashboardPanels.map((panel) => panel.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const boxes: { x: number; y: number; w: number; h: number; title: string }[] = [];
  for (const panel of dashboardPanels) {
    const title = text(panel.title, 'title');
    const grid = rec(panel.gridPos, `${title} gridPos`);
    const box = { x: Number(grid.x), y: Number(grid.y), w: Number(grid.w), h: Number(grid.h), title };
    t.ok(box.x >= 0 && box.w > 0 && box.x + box.w <= 24 && box.h > 0, `${title}: fits the 24-column grid`);
    for (const other of boxes) {
      const overlap =
        box.x < other.x + other.w && other.x < box.x + box.w && box.y < other.y + other.h && other.y < box.y + box.h;
      if (overlap) t.fail(`${title} overlaps ${other.title}`);
    }
    boxes.push(box);
    if (panel.type === 'row') continue;
    t.equal(at(panel, 'datasource.uid'), uid, `${title}: uses the datasource variable`);
    const targets = list(panel.targets, `${title} targets`).map((target) => rec(target, 'target'));
    t.ok(targets.length > 0, `${title}: has queries`);
    for (const target of targets) t.equal(at(target, 'datasource.uid'), uid, `${title}: query datasource`);
  }
  const used = new Set(dashboardExprs.flatMap(({ expr }) => metricNamesOf(expr)));
  for (const name of [
    'gamesocket_connections',
    'gamesocket_handshakes_total',
    'gamesocket_events_received_total',
    'gamesocket_events_sent_total',
    'gamesocket_events_rejected_total',
    'gamesocket_presence_online_users',
    'gamesocket_presence_sockets',
    'gamesocket_redis_up',
    'gamesocket_draining',
    'gamesocket_adapter_mode',
    'nodejs_eventloop_lag_seconds',
    'gamesocket_intent_append_failures_total',
    'gamesocket_redis_command_errors_total',
    'gamesocket_disconnects_total',
    'process_resident_memory_bytes',
  ]) {
    t.ok(used.has(name), `a panel shows ${name}`);
  }
});

t.test('alert rules are well formed', async (t) => {
  const names = alertRules.map((rule) => text(rule.alert, 'alert'));
  t.equal(new Set(names).size, names.length, 'alert names are unique');
  for (const rule of alertRules) {
    const name = text(rule.alert, 'alert');
    t.match(text(rule.for, `${name} for`), /^\d+[smh]$/, `${name}: a for duration`);
    t.ok(['critical', 'warning', 'info'].includes(String(at(rule, 'labels.severity', name))), `${name}: severity`);
    t.ok(text(at(rule, 'annotations.summary', name), 'summary').length > 0, `${name}: a summary`);
    t.ok(text(at(rule, 'annotations.description', name), 'description').length > 0, `${name}: a description`);
    const expr = text(rule.expr, 'expr');
    t.equal([...expr].filter((c) => c === '(').length, [...expr].filter((c) => c === ')').length, `${name}: parens`);
  }
});

t.test('every metric, label and label value the dashboard, alerts and HPA use is exported', async (t) => {
  const service = await startService(t);
  // Make the labelled series exist: signed-in, anonymous, invalid and refused handshakes, a received event,
  // a rejected one, a sent one and a disconnect.
  const user = await connectClient(t, service.url, { token: await mintToken({ sub: 'deploy-user', username: 'ops' }) });
  await request(user.socket, 'system:ping');
  const rejected = await request(user.socket, 'room:join', { unexpected: true });
  t.equal(rejected.ok, false, 'an invalid payload is rejected');
  await connectClient(t, service.url, { token: 'not-a-jwt' });
  const anonymous = await connectClient(t, service.url);
  const disconnected = waitFor(anonymous.socket as unknown as Parameters<typeof waitFor>[0], 'disconnect');
  anonymous.socket.disconnect();
  await disconnected;
  const refused: TestSocket = createClient(t, service.url, { origin: 'http://evil.example' });
  await waitFor(refused as unknown as Parameters<typeof waitFor>[0], 'connect_error');

  let exposition = parseExposition('');
  await eventually(
    async () => {
      const res = await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(WAIT_MS) });
      exposition = parseExposition(await res.text());
      return (exposition.samples.get('gamesocket_disconnects_total') ?? []).some((labels) => 'reason' in labels);
    },
    WAIT_MS,
    'the disconnect to be counted',
  );
  const exported = exportedNames(exposition.families);
  const labelsOf = (metric: string): Record<string, string>[] => exposition.samples.get(metric) ?? [];
  const TARGET_LABELS = new Set(['pod', 'namespace', 'instance', 'job']);
  const disconnectReasons = readFileSync(
    join(dirname(createRequire(join(ROOT, 'services/socket/package.json')).resolve('socket.io')), 'socket-types.d.ts'),
    'utf8',
  );

  const hpaMetrics = list(at(manifest('HorizontalPodAutoscaler').doc, 'spec.metrics'), 'metrics')
    .map((m) => rec(m, 'metric'))
    .filter((m) => m.type === 'Pods')
    .map((m) => ({ expr: text(at(m, 'pods.metric.name'), 'name'), where: 'HPA Pods metric' }));
  const variables = variableQueries.map((v) => ({ expr: `max by (${v.label}) (${v.metric})`, where: v.where }));
  const exprs = [...dashboardExprs, ...alertExprs, ...hpaMetrics, ...variables];
  t.ok(exprs.length > 30, `${exprs.length} expressions checked`);
  const missing = new Set<string>();
  for (const { expr, where } of exprs) {
    const names = metricNamesOf(expr);
    t.ok(names.length > 0, `${where}: names a metric`);
    for (const name of names) {
      if (PROMETHEUS_SYNTHETIC.has(name)) continue;
      if (!exported.has(name)) missing.add(name);
      t.ok(exported.has(name), `${where}: ${name} is in /metrics`);
      for (const label of byLabelsOf(expr).filter((l) => !TARGET_LABELS.has(l))) {
        t.ok(
          labelsOf(name).some((labels) => label in labels),
          `${where}: ${name} has the label ${label}`,
        );
      }
    }
    for (const matcher of matchersOf(expr)) {
      if (TARGET_LABELS.has(matcher.label)) continue;
      const samples = labelsOf(matcher.metric);
      t.ok(
        samples.some((labels) => matcher.label in labels),
        `${where}: ${matcher.metric} has the label ${matcher.label}`,
      );
      if (matcher.op !== '=' && !(matcher.op === '=~' && matcher.label === 'reason')) continue;
      for (const value of matcher.value.split('|')) {
        if (matcher.label === 'code') {
          t.ok(Object.values<string>(ERROR_CODES).includes(value), `${where}: ${value} is an error code`);
        } else if (matcher.label === 'reason') {
          t.ok(disconnectReasons.includes(`"${value}"`), `${where}: "${value}" is a Socket.IO disconnect reason`);
        } else {
          t.ok(
            samples.some((labels) => labels[matcher.label] === value),
            `${where}: ${matcher.metric}{${matcher.label}="${value}"} is exported`,
          );
        }
      }
    }
  }
  if (missing.size > 0) t.comment(`metrics missing from /metrics: ${[...missing].join(', ')}`);
});
