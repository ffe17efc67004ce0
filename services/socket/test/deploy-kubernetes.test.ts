/** deploy/kubernetes/*.yaml against the config schemas, the entry points and each other. */
import t from 'tap';
import { loadOptions } from '../../lobby-example/src/config.js';
import { parseCidr } from '../src/config/cidr.js';
import { ConfigError, loadConfig } from '../src/config/config.js';
import {
  rec,
  list,
  text,
  at,
  CONFIG_NAMES,
  shutdownBoundMs,
  LOBBY_NAMES,
  readsOf,
  SAMPLE_POD_NAME,
  imageEnv,
  k8sFiles,
  manifests,
  manifest,
  secrets,
  containersOf,
  secretValues,
  containerEnv,
  probesOf,
  containerPort,
  socketDeployment,
  socketContainer,
  lobbyDeployment,
  lobbyContainer,
  ingressPaths,
  scrapeAnnotations,
} from './deploy/artifacts.js';

t.test('Kubernetes: every manifest parses, kustomization applies them all but the Secret template', async (t) => {
  for (const m of manifests) {
    t.ok(typeof m.doc.apiVersion === 'string' && m.name !== '', `${m.file}: ${m.kind} ${m.name}`);
  }
  const kustomization = manifest('Kustomization');
  const resources = list(kustomization.doc.resources, 'resources').map((r) => text(r, 'resource'));
  const expected = k8sFiles.filter((file) => file !== kustomization.file && !file.includes('.template.'));
  t.same([...resources].sort(), [...expected].sort(), 'kustomization lists every manifest except the template');
  for (const kind of [
    'Deployment',
    'Service',
    'PodDisruptionBudget',
    'HorizontalPodAutoscaler',
    'Ingress',
    'ConfigMap',
    'Secret',
  ]) {
    t.ok(
      manifests.some((m) => m.kind === kind),
      `has a ${kind}`,
    );
  }
  const images = new Set(
    manifests.filter((m) => m.kind === 'Deployment').flatMap((m) => containersOf(m).map((c) => text(c.image, 'image'))),
  );
  t.equal(images.size, 1, 'the socket service and the lobby example run the same image');
  const imageName = [...images][0]?.split(':')[0];
  t.ok(
    list(kustomization.doc.images ?? [], 'images').some((i) => rec(i, 'image').name === imageName),
    'kustomization can retag that image',
  );
});

t.test('Kubernetes: the socket Deployment, ConfigMap and Secret against the config schema', async (t) => {
  const env = containerEnv(socketContainer, true);
  t.same(
    Object.keys(env).filter((key) => !CONFIG_NAMES.has(key)),
    [],
    'every variable from the ConfigMap, the Secret and env is in CONFIG_VARIABLES',
  );
  const { result: config, reads } = readsOf(loadConfig, { ...imageEnv, ...env });
  t.same(
    Object.keys(env).filter((key) => !reads.has(key)),
    [],
    'loadConfig reads every variable set',
  );
  t.equal(config.production, true, 'production');
  t.not(config.adapter, 'memory', 'a Redis mode');
  t.equal(config.nodeId, SAMPLE_POD_NAME, 'NODE_ID is the pod name (a valid node id)');
  t.ok(config.trustedProxies.length > 0, 'TRUSTED_PROXIES names the ingress controller');
  for (const entry of config.trustedProxies) {
    const cidr = parseCidr(entry);
    const narrowest = cidr?.type === 'ipv6' ? 120 : 24;
    t.ok(
      cidr !== undefined && (cidr.prefix ?? 128) >= narrowest,
      `TRUSTED_PROXIES ${entry} is narrow (/${narrowest} or longer): not a pod CIDR every pod could spoof from`,
    );
  }

  for (const secret of secrets) {
    const values = secretValues(secret);
    t.ok(Object.keys(values).length > 0, `${secret.file}: has keys`);
    for (const [key, value] of Object.entries(values)) {
      t.match(value, /REPLACE_ME/, `${secret.file}: ${key} is a placeholder, never a real secret`);
      t.ok(CONFIG_NAMES.has(key), `${secret.file}: ${key} is in CONFIG_VARIABLES`);
    }
  }
  t.throws(
    () => loadConfig({ ...imageEnv, ...containerEnv(socketContainer, false) }),
    ConfigError,
    'a forgotten template fails validation at boot instead of running with a guessable secret',
  );

  const port = containerPort(socketContainer, 'http');
  t.equal(port, config.port, 'containerPort http is the configured PORT');
  const probes = probesOf(socketContainer);
  const byKind = Object.fromEntries(probes.map((probe) => [probe.kind, probe]));
  t.equal(byKind.readinessProbe?.path, '/readyz', 'readiness on /readyz');
  t.equal(byKind.livenessProbe?.path, '/healthz', 'liveness on /healthz (a Redis outage restarts nothing)');
  t.ok(byKind.startupProbe !== undefined, 'a startup probe');
  for (const probe of probes) {
    t.equal(containerPort(socketContainer, probe.port), config.port, `${probe.kind} port`);
  }
  t.ok(config.metricsPort !== undefined && config.metricsPort !== config.port, 'METRICS_PORT: a port of its own');
  t.equal(containerPort(socketContainer, 'metrics'), config.metricsPort, 'containerPort metrics is METRICS_PORT');
  t.equal(Number(scrapeAnnotations['prometheus.io/port']), config.metricsPort, 'Prometheus scrapes METRICS_PORT');

  const podSpec = rec(at(socketDeployment.doc, 'spec.template.spec'), 'pod spec');
  const preStop = list(at(socketContainer, 'lifecycle.preStop.exec.command'), 'preStop').map((c) => text(c, 'c'));
  t.equal(preStop[0], 'sleep', 'preStop sleeps');
  const preStopMs = Number(preStop[1]) * 1000;
  t.equal(preStopMs, 5000, 'preStop sleep of 5 s');
  const graceMs = Number(podSpec.terminationGracePeriodSeconds) * 1000;
  const bound = shutdownBoundMs(config);
  t.ok(
    graceMs > preStopMs + bound,
    `terminationGracePeriodSeconds (${graceMs} ms) > preStop (${preStopMs} ms) + shutdown bound of run.ts (${bound} ms)`,
  );
  t.equal(graceMs, 30_000, 'terminationGracePeriodSeconds 30');
});

t.test('Kubernetes: security context and resources of every Deployment', async (t) => {
  for (const deployment of manifests.filter((m) => m.kind === 'Deployment')) {
    const podSecurity = rec(at(deployment.doc, 'spec.template.spec.securityContext'), 'securityContext');
    for (const container of containersOf(deployment)) {
      const security = { ...podSecurity, ...rec(container.securityContext ?? {}, 'securityContext') };
      const name = `${deployment.name}/${String(container.name)}`;
      t.equal(security.runAsNonRoot, true, `${name}: runAsNonRoot`);
      t.ok(
        Number.isInteger(security.runAsUser) && Number(security.runAsUser) > 0,
        `${name}: numeric non-root runAsUser (the image's USER node is a name the kubelet cannot verify)`,
      );
      t.equal(security.readOnlyRootFilesystem, true, `${name}: readOnlyRootFilesystem`);
      t.equal(security.allowPrivilegeEscalation, false, `${name}: allowPrivilegeEscalation false`);
      t.ok(
        at(container, 'resources.requests.cpu', name) && at(container, 'resources.requests.memory', name),
        'requests',
      );
      t.ok(at(container, 'resources.limits.memory', name), `${name}: a memory limit`);
    }
  }
});

t.test('Kubernetes: Service, PDB, HPA and Ingress point at the socket pods', async (t) => {
  const podLabels = rec(at(socketDeployment.doc, 'spec.template.metadata.labels'), 'labels');
  const selects = (selector: unknown): boolean =>
    Object.entries(rec(selector, 'selector')).every(([key, value]) => podLabels[key] === value);
  t.ok(selects(at(socketDeployment.doc, 'spec.selector.matchLabels')), 'the Deployment selects its pods');

  const service = manifest('Service', (m) => selects(at(m.doc, 'spec.selector')));
  const servicePorts = list(at(service.doc, 'spec.ports'), 'ports').map((p) => rec(p, 'port'));
  for (const port of servicePorts) {
    t.equal(
      containerPort(socketContainer, port.targetPort),
      containerPort(socketContainer, 'http'),
      'targetPort: the main port only (never METRICS_PORT)',
    );
  }
  const pdb = manifest('PodDisruptionBudget');
  t.ok(selects(at(pdb.doc, 'spec.selector.matchLabels')), 'the PDB selects the socket pods');

  const hpa = manifest('HorizontalPodAutoscaler');
  t.equal(
    text(at(hpa.doc, 'spec.scaleTargetRef.name'), 'name'),
    socketDeployment.name,
    'the HPA scales the Deployment',
  );
  t.equal(text(at(hpa.doc, 'spec.scaleTargetRef.kind'), 'kind'), 'Deployment', 'scaleTargetRef kind');
  const minReplicas = Number(at(hpa.doc, 'spec.minReplicas'));
  t.ok(minReplicas >= 2, 'at least two pods');
  t.ok(Number(at(pdb.doc, 'spec.maxUnavailable')) < minReplicas, 'a disruption never takes every pod');
  const metrics = list(at(hpa.doc, 'spec.metrics'), 'metrics').map((m) => rec(m, 'metric'));
  t.ok(
    metrics.some((m) => m.type === 'Resource' && at(m, 'resource.name') === 'cpu'),
    'scales on CPU',
  );
  t.ok(
    metrics.some((m) => m.type === 'Pods' && at(m, 'pods.metric.name') === 'gamesocket_connections'),
    'scales on gamesocket_connections per pod',
  );

  const ingress = manifest('Ingress');
  const annotations = rec(at(ingress.doc, 'metadata.annotations'), 'annotations');
  const config = loadConfig({ ...imageEnv, ...containerEnv(socketContainer, true) });
  const heartbeatSec = (config.pingIntervalMs + config.pingTimeoutMs) / 1000;
  for (const key of ['proxy-read-timeout', 'proxy-send-timeout']) {
    const value = Number(annotations[`nginx.ingress.kubernetes.io/${key}`]);
    t.ok(value > heartbeatSec, `${key} ${value} s > the Engine.IO heartbeat (${heartbeatSec} s)`);
  }
  t.equal(annotations['nginx.ingress.kubernetes.io/affinity'], 'cookie', 'cookie affinity for long-polling');
  t.ok(ingressPaths.length > 0, 'the Ingress has paths');
  for (const path of ingressPaths) {
    t.equal(text(at(path, 'backend.service.name'), 'service'), service.name, `${String(path.path)} -> the Service`);
    const port = rec(at(path, 'backend.service.port'), 'port');
    t.ok(
      servicePorts.some((p) => p.name === port.name || p.port === port.number),
      `${String(path.path)}: the Service has that port`,
    );
  }
});

t.test('Kubernetes: lobby-example env is what its config reads, shared with the socket service', async (t) => {
  const env = containerEnv(lobbyContainer, true);
  t.same(
    Object.keys(env).filter((key) => !LOBBY_NAMES.has(key)),
    [],
    'every variable is read by services/lobby-example/src/config.ts',
  );
  const { result: options, reads } = readsOf(loadOptions, env);
  t.same(
    Object.keys(env).filter((key) => !reads.has(key)),
    [],
    'loadOptions reads every variable set',
  );
  const socketConfig = loadConfig({ ...imageEnv, ...containerEnv(socketContainer, true) });
  t.equal(options.mode, socketConfig.adapter, 'same cluster mode');
  t.same([options.redisUrl], socketConfig.redisUrls, 'same Redis');
  t.equal(options.jwtSecret, socketConfig.jwtSecret, 'same JWT secret');
  t.equal(options.ticketSecret, socketConfig.roomTicketSecret, 'same room ticket key');
  t.not(options.ticketSecret, options.jwtSecret, 'the room ticket key is not the JWT secret');
  t.equal(containerPort(lobbyContainer, 'http'), options.port, 'containerPort http is its PORT');
  t.equal(Number(at(lobbyDeployment.doc, 'spec.replicas')), 1, 'one replica (rooms live in memory)');
  for (const probe of probesOf(lobbyContainer)) {
    t.equal(containerPort(lobbyContainer, probe.port), options.port, `${probe.kind} port`);
  }
  const labels = rec(at(lobbyDeployment.doc, 'spec.template.metadata.labels'), 'labels');
  const service = manifest('Service', (m) =>
    Object.entries(rec(at(m.doc, 'spec.selector'), 'selector')).every(([k, v]) => labels[k] === v),
  );
  t.ok(service.name.includes('lobby'), 'a Service selects the lobby pods');
});
