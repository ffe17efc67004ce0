/** deploy/README.md against the files it documents. */
import t from 'tap';
import { read, text, k8sFiles, alertRules } from './deploy/artifacts.js';

t.test('deploy/README.md covers the files it documents', async (t) => {
  const guide = read('deploy/README.md');
  for (const file of [
    ...k8sFiles,
    'docker-compose.yml',
    'haproxy.cfg',
    'gamesocket.json',
    'alerts.yml',
    'prometheus.yml',
  ]) {
    t.ok(guide.includes(file), `mentions ${file}`);
  }
  t.match(guide, /seriesQuery:.*gamesocket_connections/, 'documents the Prometheus Adapter rule of the HPA metric');
  for (const rule of alertRules) t.ok(guide.includes(text(rule.alert, 'alert')), `explains ${String(rule.alert)}`);
});
