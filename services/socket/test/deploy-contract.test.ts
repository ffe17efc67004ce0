/**
 * Keeps the operator files honest: the Dockerfile, docker-compose.yml, deploy/haproxy/haproxy.cfg,
 * deploy/kubernetes/*.yaml, deploy/grafana/gamesocket.json and deploy/prometheus/alerts.yml are parsed and checked
 * against the live code — the config schema (CONFIG_VARIABLES, loadConfig), the lobby example's config, the routes
 * of a built app, the built entry points and the metric names a running service exports.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { ERROR_CODES } from '@gamesocket/protocol';
import { startLobbyExample } from '@gamesocket/lobby-example';
import { loadOptions } from '../../lobby-example/src/config.js';
import { CONFIG_VARIABLES, ConfigError, loadConfig, type Config, type Env } from '../src/config/config.js';
import {
  MAIN_JS,
  TEST_ORIGIN,
  WAIT_MS,
  connectClient,
  createClient,
  eventually,
  mintToken,
  request,
  spawnService,
  startRedis,
  startService,
  waitFor,
  type TestSocket,
} from '@gamesocket/test-helpers';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// Small typed accessors for parsed YAML/JSON (a wrong shape fails with the path that was expected).

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rec(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what}: expected a scalar, got ${JSON.stringify(value)}`);
}

/** `at(doc, 'spec.template.spec')`: walks mappings (and list indexes), failing with the missing path. */
function at(value: unknown, path: string, what = 'document'): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else current = rec(current, `${what} at ${path}`)[key];
    if (current === undefined) throw new Error(`${what}: ${path} is missing`);
  }
  return current;
}

/** Duration like `15s`, `90s`, `1h`, `500ms` (HAProxy: a bare number is milliseconds) in milliseconds. */
function durationMs(value: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(value.trim());
  if (match === null) throw new Error(`${what}: not a duration: ${value}`);
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Live facts from the code.

const rootPackage = rec(JSON.parse(read('package.json')), 'package.json');
const workspaces = list(rootPackage.workspaces, 'package.json workspaces').map((w) => text(w, 'workspace'));
const scripts = rec(rootPackage.scripts, 'package.json scripts');
/** `npm start` / `npm run start:lobby-example` entry files, e.g. services/socket/dist/main.js. */
const entryOf = (script: string): string => {
  const match = /^node (\S+\.js)$/.exec(text(scripts[script], `scripts.${script}`));
  if (match?.[1] === undefined) throw new Error(`scripts.${script} is not "node <file>.js"`);
  return match[1];
};
const SOCKET_MAIN = entryOf('start');
const LOBBY_MAIN = entryOf('start:lobby-example');
const CONFIG_NAMES = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
const DEFAULT_PORT = Number(CONFIG_VARIABLES.find((variable) => variable.name === 'PORT')?.default);

/**
 * The bound services/socket/src/main.ts puts on a SIGTERM drain (its `setTimeout(... 'shutdown timed out' ...)`),
 * evaluated for `config`: a sum of numbers, `const NAME = <number>` constants of main.ts and numeric `config.<field>`s.
 */
function shutdownBoundMs(config: Config): number {
  const source = read('services/socket/src/main.ts');
  const timer = /setTimeout\(\s*\(\)\s*=>\s*\{[^}]*shutdown timed out[^}]*\}\s*,\s*([^;]+?)\s*\)\s*;/.exec(source);
  if (timer?.[1] === undefined) throw new Error('main.ts: the shutdown timer ("shutdown timed out") was not found');
  const constants = new Map(
    [...source.matchAll(/const ([A-Z][A-Z0-9_]*)\s*=\s*([\d_]+);/g)].map((m) => [
      m[1] ?? '',
      Number((m[2] ?? '').replaceAll('_', '')),
    ]),
  );
  const fields = config as unknown as Record<string, unknown>;
  return timer[1].split('+').reduce((sum, rawTerm) => {
    const term = rawTerm.trim();
    if (/^[\d_]+$/.test(term)) return sum + Number(term.replaceAll('_', ''));
    const constant = constants.get(term);
    if (constant !== undefined) return sum + constant;
    const field = /^config\.(\w+)$/.exec(term)?.[1];
    const value = field === undefined ? undefined : fields[field];
    if (typeof value === 'number') return sum + value;
    throw new Error(`main.ts: cannot evaluate "${term}" in the shutdown bound "${timer[1]}"`);
  }, 0);
}

/** The variables services/lobby-example/src/config.ts reads (it has no exported list: read its source). */
const LOBBY_NAMES = new Set(
  [...read('services/lobby-example/src/config.ts').matchAll(/value\('([A-Z][A-Z0-9_]*)'\)/g)].map((m) => m[1] ?? ''),
);

/** Records every variable `load` reads from the env it is given. */
function readsOf<T>(load: (env: Env) => T, env: Env): { result: T; reads: Set<string> } {
  const reads = new Set<string>();
  const proxy = new Proxy<Env>(env, {
    get: (target, name) => {
      if (typeof name === 'string') reads.add(name);
      return typeof name === 'string' ? target[name] : undefined;
    },
  });
  return { result: load(proxy), reads };
}

// Secrets never sit in the repository: the Secret template holds REPLACE_ME, compose holds marked dev defaults.
// The test substitutes these well-formed placeholders to check everything else.
const SECRET_PLACEHOLDERS: Record<string, string> = {
  REDIS_URL: 'rediss://default:placeholder@redis.example.internal:6380',
  JWT_SECRET: 'placeholder-hs256-secret-of-at-least-32-bytes',
  ROOM_TICKET_SECRET: 'placeholder-room-ticket-secret-of-32-bytes',
  PUBLISH_API_TOKEN: 'placeholder-publish-api-token',
  ADMIN_USER: 'placeholder-admin',
  ADMIN_PASSWORD: 'placeholder-admin-password',
};
const SAMPLE_POD_NAME = 'gamesocket-socket-7d9f8b6c5-x2x7q';

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile (line based).

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(source: string): Stage[] {
  const logical: { text: string; line: number }[] = [];
  let buffer = '';
  let start = 0;
  source.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trimEnd();
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (buffer === '') start = index + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1).trim()} `;
      return;
    }
    logical.push({ text: `${buffer}${trimmed}`, line: start });
    buffer = '';
  });
  const stages: Stage[] = [];
  for (const { text: instruction, line } of logical) {
    const match = /^(\S+)\s+(.*)$/.exec(instruction);
    if (match?.[1] === undefined || match[2] === undefined) throw new Error(`Dockerfile:${line}: cannot parse`);
    const keyword = match[1].toUpperCase();
    const args = match[2];
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (from?.[1] === undefined) throw new Error(`Dockerfile:${line}: cannot parse FROM`);
      stages.push({ image: from[1], name: from[2], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`Dockerfile:${line}: ${keyword} before FROM`);
      stage.instructions.push({ keyword, args, line });
    }
  }
  return stages;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
  line: number;
}

function copiesOf(stage: Stage): Copy[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      if (instruction.args.startsWith('[')) throw new Error(`Dockerfile:${instruction.line}: use the plain COPY form`);
      const tokens = instruction.args.split(/\s+/);
      const from = tokens.find((token) => token.startsWith('--from='))?.slice('--from='.length);
      const paths = tokens.filter((token) => !token.startsWith('--'));
      const dest = paths.pop();
      if (dest === undefined || paths.length === 0) throw new Error(`Dockerfile:${instruction.line}: bad COPY`);
      return { from, sources: paths, dest, line: instruction.line };
    });
}

function workdirOf(stage: Stage): string {
  const workdir = stage.instructions.find((instruction) => instruction.keyword === 'WORKDIR')?.args;
  if (workdir === undefined) throw new Error(`stage ${stage.name ?? stage.image} has no WORKDIR`);
  return workdir;
}

/** Paths (relative to the runtime WORKDIR) that a stage's COPY instructions put in the image. */
function shippedPaths(stage: Stage): string[] {
  const shipped: string[] = [];
  for (const copy of copiesOf(stage)) {
    for (const source of copy.sources) {
      const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
      const target = intoDir ? posix.join(copy.dest, posix.basename(source)) : copy.dest;
      shipped.push(posix.normalize(target).replace(/^\.\//, '').replace(/\/$/, ''));
    }
  }
  return shipped;
}

const isUnder = (path: string, roots: string[]): boolean =>
  roots.some((root) => path === root || path.startsWith(`${root}/`));

/** `.dockerignore` as Docker applies it: last matching pattern wins, `!` re-includes, a matched dir hides its files. */
function dockerIgnored(patterns: string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\//, '').replace(/\/$/, '');
    const segments = pattern.split('/');
    let body = '';
    segments.forEach((segment, i) => {
      const last = i === segments.length - 1;
      if (segment === '**') body += last ? '.*' : '(?:.*/)?';
      else {
        const escaped = segment
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]');
        body += last ? escaped : `${escaped}/`;
      }
    });
    if (new RegExp(`^${body}(?:/.*)?$`).test(path)) ignored = !negate;
  }
  return ignored;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = posix.join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const buildStage = dockerfile[0];
const runtimeStage = dockerfile.at(-1);
if (buildStage === undefined || runtimeStage === undefined) throw new Error('Dockerfile has no stage');

/** ENV of the runtime stage (KEY=value pairs). */
const imageEnv: Record<string, string> = Object.fromEntries(
  runtimeStage.instructions
    .filter((instruction) => instruction.keyword === 'ENV')
    .flatMap((instruction) => [...instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)])
    .map((m) => [m[1] ?? '', (m[2] ?? '').replace(/^"|"$/g, '')]),
);

function jsonForm(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  return list(parsed, what).map((item) => text(item, what));
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml.

const compose = rec(parse(read('docker-compose.yml'), { merge: true }), 'docker-compose.yml');
const composeServices = rec(compose.services, 'docker-compose.yml services');

/** Compose interpolation: `${NAME:-default}` / `${NAME-default}` take the default, `$$` is a `$`. */
function interpolate(value: string, where: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, _name: string | undefined, op: string | undefined, fallback: string | undefined) => {
      if (whole === '$$') return '$';
      if (op === undefined || op.endsWith('?')) {
        throw new Error(`${where}: ${whole} has no default; use \${NAME:-default} so the stack starts as is`);
      }
      return fallback ?? '';
    },
  );
}

interface ComposeEnv {
  /** As written (before interpolation). */
  raw: Record<string, string>;
  /** As the container sees it with an empty shell environment. */
  env: Record<string, string>;
}

function composeEnv(name: string): ComposeEnv {
  const service = rec(composeServices[name], `compose service ${name}`);
  const environment = service.environment ?? {};
  const raw: Record<string, string> = {};
  if (Array.isArray(environment)) {
    for (const item of environment) {
      const [key, ...rest] = text(item, `${name}.environment`).split('=');
      if (key !== undefined) raw[key] = rest.join('=');
    }
  } else {
    for (const [key, value] of Object.entries(rec(environment, `${name}.environment`))) {
      raw[key] = text(value, `${name}.environment.${key}`);
    }
  }
  const env = Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [key, interpolate(value, `${name}.environment.${key}`)]),
  );
  return { raw, env };
}

function commandOf(service: Record<string, unknown>): string[] | undefined {
  if (service.command === undefined) return undefined;
  if (typeof service.command === 'string') return service.command.split(/\s+/);
  return list(service.command, 'command').map((part) => text(part, 'command'));
}

const runsImage = (service: Record<string, unknown>): boolean => service.build !== undefined;
const socketServiceNames = Object.entries(composeServices)
  .filter(([, value]) => {
    const service = rec(value, 'compose service');
    const command = commandOf(service);
    return runsImage(service) && (command === undefined || command.includes(SOCKET_MAIN));
  })
  .map(([name]) => name);
const lobbyServiceNames = Object.entries(composeServices)
  .filter(([, value]) => commandOf(rec(value, 'compose service'))?.includes(LOBBY_MAIN) === true)
  .map(([name]) => name);

/** `fetch('http://127.0.0.1:3000/readyz', ...)`-style health check commands: the path and the port. */
function fetchTarget(command: string, what: string): { port: string; path: string } {
  const match = /fetch\('http:\/\/127\.0\.0\.1:(?:' \+ \(process\.env\.PORT \|\| (\d+)\) \+ '|(\d+))(\/[^']*)'/.exec(
    command,
  );
  if (match?.[3] === undefined) throw new Error(`${what}: no fetch('http://127.0.0.1:<port>/<path>') in ${command}`);
  return { port: match[1] ?? match[2] ?? '', path: match[3] };
}

function composeHealthcheck(name: string): { port: string; path: string } {
  const test = list(at(composeServices[name], 'healthcheck.test', name), `${name}.healthcheck.test`).map((part) =>
    text(part, 'healthcheck.test'),
  );
  return fetchTarget(test.join(' '), `${name} healthcheck`);
}

// ---------------------------------------------------------------------------------------------------------------
// HAProxy (line based).

interface HaproxySection {
  kind: string;
  name: string;
  lines: string[][];
}

function parseHaproxy(source: string): HaproxySection[] {
  const sections: HaproxySection[] = [];
  for (const rawLine of source.split('\n')) {
    const line = rawLine.replace(/(^|\s)#.*$/, '').trimEnd();
    if (line.trim() === '') continue;
    const tokens = line.trim().split(/\s+/);
    const head = tokens[0] ?? '';
    if (!/^\s/.test(line) && /^(global|defaults|frontend|backend|listen|resolvers|peers|userlist|cache)$/.test(head)) {
      sections.push({ kind: head, name: tokens[1] ?? '', lines: [] });
    } else {
      const section = sections.at(-1);
      if (section === undefined) throw new Error(`haproxy.cfg: "${line}" outside a section`);
      section.lines.push(tokens);
    }
  }
  return sections;
}

const haproxy = parseHaproxy(read('deploy/haproxy/haproxy.cfg'));
const haproxySection = (kind: string, name?: string): HaproxySection => {
  const found = haproxy.find((section) => section.kind === kind && (name === undefined || section.name === name));
  if (found === undefined) throw new Error(`haproxy.cfg: no ${kind} ${name ?? ''}`);
  return found;
};
const directive = (section: HaproxySection, ...words: string[]): string[][] =>
  section.lines.filter((tokens) => words.every((word, i) => tokens[i] === word));

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes manifests.

const K8S_DIR = 'deploy/kubernetes';
const k8sFiles = readdirSync(join(ROOT, K8S_DIR)).filter((file) => /\.ya?ml$/.test(file));
interface Manifest {
  file: string;
  kind: string;
  name: string;
  doc: Record<string, unknown>;
}
const manifests: Manifest[] = k8sFiles.flatMap((file) =>
  parseAllDocuments(read(`${K8S_DIR}/${file}`)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    const doc = rec(document.toJS(), file);
    const kind = text(doc.kind, `${file} kind`);
    // A Kustomization needs no name; every Kubernetes object does.
    const name = kind === 'Kustomization' ? file : text(at(doc, 'metadata.name', file), file);
    return { file, kind, name, doc };
  }),
);
const manifest = (kind: string, predicate: (m: Manifest) => boolean = () => true): Manifest => {
  const found = manifests.filter((m) => m.kind === kind && predicate(m));
  if (found.length !== 1) throw new Error(`expected one ${kind} manifest, found ${found.length}`);
  return found[0] as Manifest;
};
const configMaps = manifests.filter((m) => m.kind === 'ConfigMap');
const secrets = manifests.filter((m) => m.kind === 'Secret');

const containersOf = (deployment: Manifest): Record<string, unknown>[] =>
  list(at(deployment.doc, 'spec.template.spec.containers', deployment.file), 'containers').map((c) =>
    rec(c, 'container'),
  );
const commandIncludes = (container: Record<string, unknown>, entry: string): boolean =>
  list(container.command ?? [], 'command').includes(entry);
const deploymentRunning = (entry: string): Manifest =>
  manifest('Deployment', (m) => containersOf(m).some((container) => commandIncludes(container, entry)));
const containerRunning = (deployment: Manifest, entry: string): Record<string, unknown> => {
  const container = containersOf(deployment).find((c) => commandIncludes(c, entry));
  if (container === undefined) throw new Error(`${deployment.file}: no container runs ${entry}`);
  return container;
};

const secretValues = (secret: Manifest): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(rec(secret.doc.stringData ?? {}, `${secret.file} stringData`))) {
    out[key] = text(value, key);
  }
  for (const [key, value] of Object.entries(rec(secret.doc.data ?? {}, `${secret.file} data`))) {
    out[key] = Buffer.from(text(value, key), 'base64').toString('utf8');
  }
  return out;
};
const placeholderFor = (key: string): string => {
  const value = SECRET_PLACEHOLDERS[key];
  if (value === undefined) throw new Error(`Secret key ${key}: add a well-formed placeholder to SECRET_PLACEHOLDERS`);
  return value;
};

/**
 * The environment a container gets from its manifests: envFrom (ConfigMap, Secret) then env (literal values,
 * fieldRef, configMapKeyRef, secretKeyRef). Secret values are the template's, or placeholders when `placeholders`.
 */
function containerEnv(container: Record<string, unknown>, placeholders: boolean): Record<string, string> {
  const configData = (name: string): Record<string, string> => {
    const map = configMaps.find((m) => m.name === name);
    if (map === undefined) throw new Error(`no ConfigMap ${name} in ${K8S_DIR}`);
    return Object.fromEntries(Object.entries(rec(map.doc.data ?? {}, name)).map(([k, v]) => [k, text(v, k)]));
  };
  const secretData = (name: string): Record<string, string> => {
    const secret = secrets.find((m) => m.name === name);
    if (secret === undefined) throw new Error(`no Secret ${name} in ${K8S_DIR}`);
    const values = secretValues(secret);
    return placeholders ? Object.fromEntries(Object.keys(values).map((key) => [key, placeholderFor(key)])) : values;
  };
  const env: Record<string, string> = {};
  for (const source of list(container.envFrom ?? [], 'envFrom').map((s) => rec(s, 'envFrom'))) {
    if (source.configMapRef !== undefined) Object.assign(env, configData(text(at(source, 'configMapRef.name'), '')));
    if (source.secretRef !== undefined) Object.assign(env, secretData(text(at(source, 'secretRef.name'), '')));
  }
  for (const entry of list(container.env ?? [], 'env').map((e) => rec(e, 'env'))) {
    const name = text(entry.name, 'env name');
    if (entry.value !== undefined) env[name] = text(entry.value, name);
    else {
      const from = rec(entry.valueFrom, `${name}.valueFrom`);
      const key = (ref: unknown): string => text(rec(ref, name).key, `${name} key`);
      const refName = (ref: unknown): string => text(rec(ref, name).name, `${name} name`);
      let value: string | undefined;
      if (from.fieldRef !== undefined) value = SAMPLE_POD_NAME;
      else if (from.configMapKeyRef !== undefined)
        value = configData(refName(from.configMapKeyRef))[key(from.configMapKeyRef)];
      else if (from.secretKeyRef !== undefined) value = secretData(refName(from.secretKeyRef))[key(from.secretKeyRef)];
      if (value === undefined) throw new Error(`env ${name}: its valueFrom does not resolve to a value`);
      env[name] = value;
    }
  }
  return env;
}

interface Probe {
  kind: string;
  path: string | undefined;
  port: unknown;
  raw: Record<string, unknown>;
}
function probesOf(container: Record<string, unknown>): Probe[] {
  return ['startupProbe', 'readinessProbe', 'livenessProbe']
    .filter((kind) => container[kind] !== undefined)
    .map((kind) => {
      const probe = rec(container[kind], kind);
      const http = probe.httpGet === undefined ? undefined : rec(probe.httpGet, `${kind}.httpGet`);
      const tcp = probe.tcpSocket === undefined ? undefined : rec(probe.tcpSocket, `${kind}.tcpSocket`);
      if (http === undefined && tcp === undefined) throw new Error(`${kind}: only httpGet and tcpSocket are checked`);
      return {
        kind,
        path: http === undefined ? undefined : text(http.path, `${kind} path`),
        port: (http ?? tcp)?.port,
        raw: probe,
      };
    });
}

/** A container port by name or number. */
function containerPort(container: Record<string, unknown>, port: unknown): number {
  const ports = list(container.ports ?? [], 'ports').map((p) => rec(p, 'port'));
  const found = ports.find((p) => p.name === port || p.containerPort === port);
  if (found === undefined) throw new Error(`container has no port ${String(port)}`);
  return Number(found.containerPort);
}

const socketDeployment = deploymentRunning(SOCKET_MAIN);
const socketContainer = containerRunning(socketDeployment, SOCKET_MAIN);
const lobbyDeployment = deploymentRunning(LOBBY_MAIN);
const lobbyContainer = containerRunning(lobbyDeployment, LOBBY_MAIN);

// ---------------------------------------------------------------------------------------------------------------
// PromQL: metric names, `by (...)` labels and label matchers of an expression.

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'inf']);
const PROMETHEUS_SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?\w+\}?/g, '');
  const names: string[] = [];
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = stripped[(match.index ?? 0) - 1] ?? ' ';
    const after = stripped.slice((match.index ?? 0) + match[0].length).trimStart();
    if (/[0-9.]/.test(before) || after.startsWith('(') || PROMQL_KEYWORDS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return [...new Set(names)];
}

function byLabelsOf(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] ?? '')
      .split(',')
      .map((label) => label.trim())
      .filter((label) => label !== ''),
  );
}

interface Matcher {
  metric: string;
  label: string;
  op: string;
  value: string;
}
function matchersOf(expr: string): Matcher[] {
  const out: Matcher[] = [];
  for (const m of expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}/g)) {
    for (const matcher of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      out.push({ metric: m[1] ?? '', label: matcher[1] ?? '', op: matcher[2] ?? '', value: matcher[3] ?? '' });
    }
  }
  return out;
}

/** Prometheus text exposition: the metric families (with their type) and every sample's labels. */
function parseExposition(body: string): {
  families: Map<string, string>;
  samples: Map<string, Record<string, string>[]>;
} {
  const families = new Map<string, string>();
  const samples = new Map<string, Record<string, string>[]>();
  for (const line of body.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] !== undefined && type[2] !== undefined) families.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (sample?.[1] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] ?? ''] = pair[2] ?? '';
    }
    samples.set(sample[1], [...(samples.get(sample[1]) ?? []), labels]);
  }
  return { families, samples };
}

/** Names a family exports: histograms and summaries add `_bucket`, `_sum`, `_count`. */
function exportedNames(families: Map<string, string>): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of families) {
    names.add(name);
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------------------
// Grafana and alert rules.

const dashboard = rec(JSON.parse(read('deploy/grafana/gamesocket.json')), 'gamesocket.json');
const dashboardPanels = list(dashboard.panels, 'panels').map((p) => rec(p, 'panel'));
const dashboardTemplating = list(at(dashboard, 'templating.list'), 'templating.list').map((v) => rec(v, 'variable'));
const dashboardExprs: { expr: string; where: string }[] = dashboardPanels.flatMap((panel) =>
  list(panel.targets ?? [], 'targets').map((target) => ({
    expr: text(rec(target, 'target').expr, `panel ${String(panel.title)} expr`),
    where: `panel "${String(panel.title)}"`,
  })),
);
/** `label_values(metric, label)` of the query variables. */
const variableQueries = dashboardTemplating
  .filter((variable) => variable.type === 'query')
  .map((variable) => {
    const query = isRecord(variable.query) ? text(variable.query.query, 'query') : text(variable.query, 'query');
    const match = /^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(query);
    if (match?.[1] === undefined || match[2] === undefined) throw new Error(`variable query not understood: ${query}`);
    return { metric: match[1], label: match[2], where: `variable ${String(variable.name)}` };
  });

const alertsDoc = rec(parse(read('deploy/prometheus/alerts.yml')), 'alerts.yml');
const alertRules = list(alertsDoc.groups, 'groups').flatMap((group) =>
  list(rec(group, 'group').rules, 'rules').map((rule) => rec(rule, 'rule')),
);
const alertExprs = alertRules.map((rule) => ({
  expr: text(rule.expr, 'expr'),
  where: `alert ${text(rule.alert, 'alert')}`,
}));

// ---------------------------------------------------------------------------------------------------------------
// Every path a probe, health check, load balancer or scraper requests: checked against running apps below.

interface ProbePath {
  path: string;
  source: string;
}

const dockerHealthcheck = (() => {
  const instruction = runtimeStage.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (instruction === undefined) throw new Error('the Dockerfile has no HEALTHCHECK');
  const command = jsonForm(instruction.args.replace(/^.*?\bCMD\s+/, ''), 'HEALTHCHECK');
  return { command, target: fetchTarget(command[2] ?? '', 'HEALTHCHECK') };
})();

const haproxyFrontend = haproxySection('frontend');
const haproxyBackend = haproxySection('backend', directive(haproxyFrontend, 'default_backend')[0]?.[1]);
const haproxyCheckUri = (() => {
  const send = directive(haproxyBackend, 'http-check', 'send')[0] ?? [];
  const uri = send[send.indexOf('uri') + 1];
  if (!send.includes('uri') || uri === undefined) throw new Error('haproxy.cfg: no http-check send ... uri <path>');
  return uri;
})();

const ingressPaths = list(at(manifest('Ingress').doc, 'spec.rules'), 'rules').flatMap((rule) =>
  list(at(rule, 'http.paths'), 'paths').map((p) => rec(p, 'path')),
);
const scrapeAnnotations = rec(at(socketDeployment.doc, 'spec.template.metadata.annotations'), 'annotations');

const httpProbes = (container: Record<string, unknown>, prefix: string): ProbePath[] =>
  probesOf(container).flatMap((probe) =>
    probe.path === undefined ? [] : [{ path: probe.path, source: `${prefix} ${probe.kind}` }],
  );

const socketProbePaths: ProbePath[] = [
  { path: dockerHealthcheck.target.path, source: 'Dockerfile HEALTHCHECK' },
  ...socketServiceNames.map((name) => ({ path: composeHealthcheck(name).path, source: `compose ${name} healthcheck` })),
  { path: haproxyCheckUri, source: 'haproxy http-check' },
  ...httpProbes(socketContainer, 'k8s'),
  { path: text(scrapeAnnotations['prometheus.io/path'], 'prometheus.io/path'), source: 'k8s scrape annotation' },
  // The Engine.IO handshake a polling client sends first through the Ingress.
  ...ingressPaths.map((p) => ({ path: `${text(p.path, 'path')}?EIO=4&transport=polling`, source: 'Ingress path' })),
];
const lobbyProbePaths: ProbePath[] = [
  ...lobbyServiceNames.map((name) => ({ path: composeHealthcheck(name).path, source: `compose ${name} healthcheck` })),
  ...httpProbes(lobbyContainer, 'k8s lobby'),
];

// ===============================================================================================================
// Tests.

t.test('Dockerfile: multi-stage build on a current Node LTS image, runtime ships the built services', async (t) => {
  t.ok(dockerfile.length >= 2, 'multi-stage');
  const enginesMajor = Number(/(\d+)/.exec(text(at(rootPackage, 'engines.node'), 'engines.node'))?.[1]);
  for (const stage of dockerfile) {
    const match = /^node:(\d+)-[a-z]+-slim$/.exec(stage.image);
    t.ok(match, `${stage.image}: an official node:<major>-<debian>-slim image`);
    const major = Number(match?.[1]);
    t.ok(major % 2 === 0 && major >= 24 && major >= enginesMajor, `${stage.image}: an LTS line (even major >= 24)`);
  }
  t.equal(new Set(dockerfile.map((stage) => stage.image)).size, 1, 'build and runtime use the same base image');

  const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const buildRuns = runs(buildStage);
  t.ok(
    buildRuns.some((run) => /\bnpm ci\b/.test(run)),
    'build stage runs npm ci',
  );
  const buildIndex = buildStage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args));
  t.ok(buildIndex >= 0, 'build stage runs npm run build');
  t.ok(scripts.build !== undefined, 'the root package.json has a build script');
  const buildShipped = shippedPaths({ ...buildStage, instructions: buildStage.instructions.slice(0, buildIndex) });
  for (const workspace of workspaces) {
    t.ok(isUnder(`${workspace}/src`, buildShipped), `${workspace}/src is in the build stage before npm run build`);
  }
  for (const config of ['tsconfig.base.json', 'tsconfig.build.json']) {
    t.ok(isUnder(config, buildShipped), `${config} is in the build stage`);
  }

  const runtimeRuns = runs(runtimeStage);
  const ci = runtimeRuns.find((run) => /\bnpm ci\b/.test(run)) ?? '';
  t.match(ci, /--omit=dev/, 'runtime installs production dependencies only');
  t.match(ci, /--ignore-scripts/, 'runtime runs no install scripts (no prepare build)');
  t.equal(imageEnv.NODE_ENV, 'production', 'ENV NODE_ENV=production');
  const users = runtimeStage.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
  t.same(users, ['node'], 'runs as the non-root node user');
  const exposed = runtimeStage.instructions.filter((i) => i.keyword === 'EXPOSE').map((i) => Number(i.args));
  t.same(exposed, [DEFAULT_PORT], 'EXPOSE is the default PORT of CONFIG_VARIABLES');

  const cmd = runtimeStage.instructions.filter((i) => i.keyword === 'CMD');
  t.equal(cmd.length, 1, 'one CMD');
  t.same(jsonForm(cmd[0]?.args ?? '[]', 'CMD'), ['node', SOCKET_MAIN], 'CMD runs the npm start entry (exec form)');
  t.equal(resolve(ROOT, SOCKET_MAIN), MAIN_JS, 'the CMD file is the built main.js the tests spawn');
  t.ok(existsSync(join(ROOT, SOCKET_MAIN)), `${SOCKET_MAIN} exists after npm run build`);
  t.ok(existsSync(join(ROOT, LOBBY_MAIN)), `${LOBBY_MAIN} exists after npm run build`);

  // Everything the runtime needs is copied: package files (before npm ci), every workspace's dist and entry.
  const shipped = shippedPaths(runtimeStage);
  const ciIndex = runtimeStage.instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
  const beforeCi = shippedPaths({ ...runtimeStage, instructions: runtimeStage.instructions.slice(0, ciIndex) });
  for (const file of ['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]) {
    t.ok(beforeCi.includes(file), `${file} is copied before npm ci`);
  }
  for (const workspace of workspaces) t.ok(isUnder(`${workspace}/dist`, shipped), `${workspace}/dist is copied`);
  t.ok(isUnder(SOCKET_MAIN, shipped) && isUnder(LOBBY_MAIN, shipped), 'both entry points are in the image');
  const buildWorkdir = workdirOf(buildStage);
  t.equal(workdirOf(runtimeStage), buildWorkdir, 'same WORKDIR in both stages');
  for (const copy of copiesOf(runtimeStage).filter((c) => c.from !== undefined)) {
    t.equal(copy.from, buildStage.name, `line ${copy.line} copies from the build stage`);
    for (const source of copy.sources) {
      t.ok(existsSync(join(ROOT, posix.relative(buildWorkdir, source))), `${source} is produced by the build`);
    }
  }

  // Files the built code reads next to itself (new URL('…', import.meta.url)) must be in the image too.
  const assets = workspaces.flatMap((workspace) =>
    filesUnder(`${workspace}/dist`)
      .filter((file) => file.endsWith('.js'))
      .flatMap((file) =>
        [...read(file).matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)].map((m) =>
          relative(ROOT, resolve(ROOT, dirname(file), m[1] ?? ''))
            .split('\\')
            .join('/'),
        ),
      ),
  );
  t.ok(assets.length > 0, 'the scan finds the demo page the socket service reads at startup');
  for (const asset of assets) {
    t.ok(existsSync(join(ROOT, asset)), `${asset} exists`);
    t.ok(isUnder(asset, shipped), `${asset} (read by the built code) is copied into the image`);
  }
});

t.test('.dockerignore keeps host artefacts out and lets every copied source in', async (t) => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const path of ['node_modules/x', 'services/socket/node_modules/x', 'packages/protocol/dist/index.js', '.git']) {
    t.ok(dockerIgnored(patterns, path), `${path} is ignored`);
  }
  const contextSources = dockerfile.flatMap((stage) =>
    copiesOf(stage)
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources),
  );
  const needed = new Set<string>();
  for (const source of contextSources) {
    const path = source.replace(/^\.\//, '').replace(/\/$/, '');
    t.ok(existsSync(join(ROOT, path)), `COPY source ${path} exists`);
    if (statSync(join(ROOT, path)).isDirectory()) {
      for (const workspace of workspaces.filter((w) => isUnder(w, [path]))) {
        needed.add(`${workspace}/tsconfig.json`);
        for (const file of filesUnder(`${workspace}/src`)) needed.add(file);
      }
      if (!workspaces.some((w) => isUnder(w, [path]))) for (const file of filesUnder(path)) needed.add(file);
    } else needed.add(path);
  }
  t.ok(needed.size > 10, 'the sources the build needs were found');
  const ignored = [...needed].filter((path) => dockerIgnored(patterns, path));
  t.same(ignored, [], 'no file the Dockerfile copies is excluded from the build context');
});

t.test('compose: socket replicas use documented variables with values that pass loadConfig', async (t) => {
  t.ok(socketServiceNames.length >= 2, `at least two socket replicas (${socketServiceNames.join(', ')})`);
  const nodeIds = new Set<string>();
  for (const name of socketServiceNames) {
    const { raw, env } = composeEnv(name);
    t.same(
      Object.keys(env).filter((key) => !CONFIG_NAMES.has(key)),
      [],
      `${name}: every variable is in CONFIG_VARIABLES`,
    );
    const { result: config, reads } = readsOf(loadConfig, { ...imageEnv, ...env });
    t.same(
      Object.keys(env).filter((key) => !reads.has(key)),
      [],
      `${name}: loadConfig reads every variable set`,
    );
    // The demo stack serves the demo lobby: NODE_ENV=development + DEV_LOGIN=true, dev logins signed with JWT_SECRET.
    t.equal(config.devLogin, true, `${name}: DEV_LOGIN serves the demo lobby and /dev/login`);
    t.equal(config.devAuth, false, `${name}: no dev auth (JWT_SECRET signs and verifies on every replica)`);
    t.equal(env.NODE_ENV, 'development', `${name}: NODE_ENV=development, which DEV_LOGIN needs`);
    const productionEnv = Object.fromEntries(
      Object.entries(env).filter(([key]) => key !== 'NODE_ENV' && key !== 'DEV_LOGIN'),
    );
    const production = loadConfig({ ...imageEnv, ...productionEnv });
    t.ok(
      production.production && !production.devLogin,
      `${name}: without the two demo lines it is a valid production config (the image sets NODE_ENV)`,
    );
    t.throws(
      () => loadConfig({ ...imageEnv, ...env, NODE_ENV: 'production' }),
      { name: 'ConfigError', message: /^DEV_LOGIN/ },
      `${name}: the demo switch cannot reach production`,
    );
    t.equal(config.adapter, env.ADAPTER, `${name}: ADAPTER ${env.ADAPTER}`);
    t.not(config.adapter, 'memory', `${name}: a Redis mode (replicas must see each other)`);
    t.equal(config.nodeId, env.NODE_ID, `${name}: explicit NODE_ID`);
    nodeIds.add(config.nodeId);
    t.ok(config.jwtSecret !== undefined, `${name}: JWT_SECRET set (no dev auth with Redis)`);
    t.ok(config.publishApiToken !== undefined, `${name}: the backend HTTP API is on`);
    for (const url of config.redisUrls) {
      const host = new URL(url).hostname;
      t.ok(composeServices[host] !== undefined, `${name}: REDIS_URL host ${host} is a compose service`);
      t.match(text(at(composeServices[host], 'image'), 'image'), /^redis:7(\b|$)/, 'official redis:7 image');
    }
    for (const [key, value] of Object.entries(raw).filter(([key]) => /SECRET|TOKEN|PASSWORD/.test(key))) {
      t.match(value, new RegExp(`^\\$\\{${key}:-`), `${name}: ${key} comes from the environment`);
      t.match(value, /NOT-FOR-PRODUCTION/, `${name}: ${key}'s dev default is marked not for production`);
    }
    const health = composeHealthcheck(name);
    t.equal(Number(health.port), config.port, `${name}: the healthcheck hits the service's port`);
    const grace = durationMs(text(at(composeServices[name], 'stop_grace_period', name), 'stop_grace_period'), name);
    const bound = shutdownBoundMs(config);
    t.ok(grace > bound, `${name}: stop_grace_period ${grace} ms > the ${bound} ms shutdown bound of main.ts`);
  }
  t.equal(nodeIds.size, socketServiceNames.length, 'every replica has its own NODE_ID');
});

t.test('compose: lobby-example sets only what its config reads, consistent with the socket service', async (t) => {
  t.ok(LOBBY_NAMES.size >= 5, `lobby config names found in its source (${[...LOBBY_NAMES].join(', ')})`);
  t.same(lobbyServiceNames.length, 1, 'one lobby-example service');
  const socketEnv = composeEnv(socketServiceNames[0] ?? '').env;
  for (const name of lobbyServiceNames) {
    const { raw, env } = composeEnv(name);
    t.same(
      Object.keys(env).filter((key) => !LOBBY_NAMES.has(key)),
      [],
      `${name}: every variable is read by services/lobby-example/src/config.ts`,
    );
    const { result: options, reads } = readsOf(loadOptions, env);
    t.same(
      Object.keys(env).filter((key) => !reads.has(key)),
      [],
      `${name}: loadOptions reads every variable set`,
    );
    t.equal(options.mode, socketEnv.ADAPTER, 'same cluster mode as the socket service');
    t.equal(options.redisUrl, socketEnv.REDIS_URL, 'same Redis as the socket service');
    t.equal(options.jwtSecret, socketEnv.JWT_SECRET, 'same JWT secret as the socket service');
    for (const [key, value] of Object.entries(raw).filter(([key]) => /SECRET|TOKEN|PASSWORD/.test(key))) {
      t.match(value, /NOT-FOR-PRODUCTION/, `${name}: ${key}'s dev default is marked not for production`);
    }
    const ports = list(at(composeServices[name], 'ports', name), 'ports').map((p) => text(p, 'port'));
    t.ok(
      ports.some((p) => p.split(':').at(-1) === String(options.port)),
      `${name}: publishes its PORT ${options.port}`,
    );
    const health = composeHealthcheck(name);
    t.equal(Number(health.port), options.port, `${name}: the healthcheck hits its port`);
  }
});

t.test(
  'HAProxy: every socket replica behind it, readiness checks, sticky cookie, websocket-safe timeouts',
  async (t) => {
    const socketEnv = { ...imageEnv, ...composeEnv(socketServiceNames[0] ?? '').env };
    const config: Config = loadConfig(socketEnv);
    const haproxyService = Object.entries(composeServices).find(([, s]) =>
      /^haproxy:/.test(String(rec(s, 'service').image)),
    );
    t.ok(haproxyService, 'compose runs the official haproxy image');
    const [haproxyName, haproxyValue] = haproxyService ?? ['', {}];
    const volumes = list(at(haproxyValue, 'volumes', haproxyName), 'volumes').map((v) => text(v, 'volume'));
    t.ok(
      volumes.some((v) => /^\.\/deploy\/haproxy\/haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg(:ro)?$/.test(v)),
      'compose mounts deploy/haproxy/haproxy.cfg where the image reads it',
    );

    const bindPort = /:(\d+)$/.exec(directive(haproxyFrontend, 'bind')[0]?.[1] ?? '')?.[1];
    const published = list(at(haproxyValue, 'ports', haproxyName), 'ports').map((p) => text(p, 'port'));
    t.ok(
      published.some((p) => p.split(':').at(-1) === bindPort),
      `compose publishes the frontend port ${bindPort}`,
    );
    const backend = haproxyBackend;

    const servers = directive(backend, 'server');
    t.same(
      servers.map((tokens) => tokens[1]).sort(),
      [...socketServiceNames].sort(),
      'one server line per compose socket replica',
    );
    for (const tokens of servers) {
      const [host, port] = (tokens[2] ?? '').split(':');
      t.ok(host !== undefined && socketServiceNames.includes(host), `${tokens[1]} targets a socket service`);
      t.equal(Number(port), config.port, `${tokens[1]} targets the service's PORT`);
      t.ok(tokens.includes('cookie'), `${tokens[1]} has a sticky cookie value`);
    }
    const defaultServer = directive(backend, 'default-server')[0] ?? [];
    t.ok(defaultServer.includes('check') || servers.every((s) => s.includes('check')), 'servers are health checked');
    t.match(directive(backend, 'cookie')[0]?.join(' ') ?? '', /^cookie \S+ insert\b/, 'sticky sessions by cookie');
    t.equal(haproxyCheckUri, '/readyz', 'health checks hit /readyz');
    t.ok(directive(backend, 'option', 'httpchk').length === 1, 'option httpchk');
    t.ok(
      directive(backend, 'http-check', 'expect', 'status', '200').length === 1,
      'a check passes on 200 only (503 while Redis is down or draining)',
    );

    const timeout = (name: string): number => {
      const line = [
        ...directive(backend, 'timeout', name),
        ...directive(haproxySection('defaults'), 'timeout', name),
      ][0];
      if (line?.[2] === undefined) throw new Error(`haproxy.cfg: no timeout ${name}`);
      return durationMs(line[2], `timeout ${name}`);
    };
    const heartbeat = config.pingIntervalMs + config.pingTimeoutMs;
    for (const name of ['client', 'server', 'tunnel']) {
      t.ok(timeout(name) > heartbeat, `timeout ${name} > PING_INTERVAL_MS + PING_TIMEOUT_MS (${heartbeat} ms)`);
    }
  },
);

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
  t.equal(Number(scrapeAnnotations['prometheus.io/port']), config.port, 'scrape port');

  const podSpec = rec(at(socketDeployment.doc, 'spec.template.spec'), 'pod spec');
  const preStop = list(at(socketContainer, 'lifecycle.preStop.exec.command'), 'preStop').map((c) => text(c, 'c'));
  t.equal(preStop[0], 'sleep', 'preStop sleeps');
  const preStopMs = Number(preStop[1]) * 1000;
  t.equal(preStopMs, 5000, 'preStop sleep of 5 s');
  const graceMs = Number(podSpec.terminationGracePeriodSeconds) * 1000;
  const bound = shutdownBoundMs(config);
  t.ok(
    graceMs > preStopMs + bound,
    `terminationGracePeriodSeconds (${graceMs} ms) > preStop (${preStopMs} ms) + shutdown bound of main.ts (${bound} ms)`,
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
    t.equal(containerPort(socketContainer, port.targetPort), containerPort(socketContainer, 'http'), 'targetPort');
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

t.test('probe and health check paths are routes of a built socket service', async (t) => {
  const { command, target } = dockerHealthcheck;
  t.same(command.slice(0, 2), ['node', '-e'], 'HEALTHCHECK uses node (no curl in slim images)');
  t.equal(Number(target.port), DEFAULT_PORT, 'HEALTHCHECK falls back to the default PORT');
  t.equal(target.path, '/healthz', 'HEALTHCHECK hits /healthz');

  const sources = new Set(socketProbePaths.map((p) => p.source.split(' ')[0]));
  t.ok(sources.has('compose') && sources.has('haproxy') && sources.has('k8s'), 'paths from every file were collected');
  const service = await startService(t);
  for (const { path, source } of socketProbePaths) {
    const res = await fetch(`${service.url}${path}`, {
      headers: { origin: TEST_ORIGIN },
      signal: AbortSignal.timeout(WAIT_MS),
    });
    await res.text();
    t.equal(res.status, 200, `${source}: GET ${path} -> 200`);
  }
  const missing = await fetch(`${service.url}/no-such-probe`, { signal: AbortSignal.timeout(WAIT_MS) });
  await missing.text();
  t.equal(missing.status, 404, 'an unknown path answers 404 (so the 200s above mean something)');
});

t.test('probe paths of the lobby example are routes of a running lobby example', async (t) => {
  t.ok(lobbyProbePaths.length >= 2, 'compose and Kubernetes probe paths collected');
  const redis = await startRedis(t);
  const env = composeEnv(lobbyServiceNames[0] ?? '').env;
  const lobby = await startLobbyExample({
    ...loadOptions({ ...env, REDIS_URL: redis.url, PORT: '0', HOST: '127.0.0.1' }),
    onError: () => undefined,
  });
  t.teardown(() => lobby.close());
  for (const { path, source } of lobbyProbePaths) {
    const res = await fetch(`${lobby.url}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
    await res.text();
    t.equal(res.status, 200, `${source}: GET ${path} -> 200`);
  }
});

t.test('the image entry boots with the compose environment, is ready with Redis and drains on SIGTERM', async (t) => {
  const redis = await startRedis(t);
  const env = { ...imageEnv, ...composeEnv(socketServiceNames[0] ?? '').env };
  const proc = await spawnService(t, { ...env, REDIS_URL: redis.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' });
  const status = async (path: string): Promise<number> => {
    const res = await fetch(`${proc.url}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
    await res.text();
    return res.status;
  };
  t.equal(await status('/healthz'), 200, '/healthz');
  await eventually(async () => (await status('/readyz')) === 200, WAIT_MS, '/readyz 200 with Redis up');
  t.pass('/readyz answers 200 once Redis is connected');
  const code = await proc.stop('SIGTERM', shutdownBoundMs(loadConfig(env)) + WAIT_MS);
  t.equal(code, 0, 'SIGTERM -> exit 0 within the shutdown bound');
});

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

t.test('deploy/README.md covers the files it documents', async (t) => {
  const guide = read('deploy/README.md');
  for (const file of [...k8sFiles, 'docker-compose.yml', 'haproxy.cfg', 'gamesocket.json', 'alerts.yml']) {
    t.ok(guide.includes(file), `mentions ${file}`);
  }
  t.match(guide, /seriesQuery:.*gamesocket_connections/, 'documents the Prometheus Adapter rule of the HPA metric');
  for (const rule of alertRules) t.ok(guide.includes(text(rule.alert, 'alert')), `explains ${String(rule.alert)}`);
});
