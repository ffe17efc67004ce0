/**
 * The operator files parsed once, for the deploy-*.test.ts files: the Dockerfile, docker-compose.yml,
 * deploy/haproxy/haproxy.cfg, deploy/kubernetes/*.yaml, deploy/grafana/gamesocket.json and deploy/prometheus/alerts.yml,
 * with the parts of the live code they are checked against (the config schema, the lobby example's config, the entry
 * points of the root package.json). Parsing fails loudly, naming what is missing.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, type Config, type Env } from '../../src/config/config.js';

/** The repository root (absolute, with a trailing slash). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The text of a file of the repository, by its path from the root. */
export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

// ---------------------------------------------------------------------------------------------------------------
// Small typed accessors for parsed YAML/JSON (a wrong shape fails with the path that was expected).

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` as a mapping, or throws naming `what`. */
export function rec(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what}: expected a mapping, got ${JSON.stringify(value)}`);
  return value;
}

/** `value` as a list, or throws naming `what`. */
export function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

/** `value` as a string, or throws naming `what`. */
export function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what}: expected a scalar, got ${JSON.stringify(value)}`);
}

/** `at(doc, 'spec.template.spec')`: walks mappings (and list indexes), failing with the missing path. */
export function at(value: unknown, path: string, what = 'document'): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else current = rec(current, `${what} at ${path}`)[key];
    if (current === undefined) throw new Error(`${what}: ${path} is missing`);
  }
  return current;
}

/** Duration like `15s`, `90s`, `1h`, `500ms` (HAProxy: a bare number is milliseconds) in milliseconds. */
export function durationMs(value: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(us|ms|s|m|h|d)?$/.exec(value.trim());
  if (match === null) throw new Error(`${what}: not a duration: ${value}`);
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(match[1]) * (units[match[2] ?? 'ms'] ?? 1);
}

// ---------------------------------------------------------------------------------------------------------------
// Live facts from the code.

/** The root package.json. */
export const rootPackage = rec(JSON.parse(read('package.json')), 'package.json');
/** The root package.json's workspaces (folders). */
export const workspaces = list(rootPackage.workspaces, 'package.json workspaces').map((w) => text(w, 'workspace'));
/** The workspaces `npm run build` compiles (tsconfig.build.json's references); the test helpers' is not one. */
export const builtWorkspaces = list(
  rec(JSON.parse(read('tsconfig.build.json')), 'tsconfig.build.json').references,
  'tsconfig.build.json references',
).map((reference) => text(rec(reference, 'reference').path, 'reference path'));
/** The root package.json's scripts. */
export const scripts = rec(rootPackage.scripts, 'package.json scripts');
/** `npm start` / `npm run start:lobby-example` entry files, e.g. services/socket/dist/main.js. */
const entryOf = (script: string): string => {
  const match = /^node (\S+\.js)$/.exec(text(scripts[script], `scripts.${script}`));
  if (match?.[1] === undefined) throw new Error(`scripts.${script} is not "node <file>.js"`);
  return match[1];
};
/** The entry `npm start` runs (services/socket/dist/start.js: the service, and the example backend in the dev demo). */
export const SOCKET_START = entryOf('start');
/** The socket service's production entry beside it, the service alone (services/socket/dist/main.js). */
export const SOCKET_MAIN = `${SOCKET_START.slice(0, SOCKET_START.lastIndexOf('/') + 1)}main.js`;
/** The lobby example entry `npm run start:lobby-example` runs. */
export const LOBBY_MAIN = entryOf('start:lobby-example');
/** The socket service's config variable names (CONFIG_VARIABLES). */
export const CONFIG_NAMES = new Set(CONFIG_VARIABLES.map((variable) => variable.name));
/** The socket service's default PORT. */
export const DEFAULT_PORT = Number(CONFIG_VARIABLES.find((variable) => variable.name === 'PORT')?.default);

/**
 * The bound services/socket/src/run.ts (what main.ts runs) puts on a SIGTERM drain (its `setTimeout(... 'shutdown
 * timed out' ...)`), evaluated for `config`: a sum of numbers, `const NAME = <number>` constants of run.ts and
 * numeric `config.<field>`s.
 */
export function shutdownBoundMs(config: Config): number {
  const source = read('services/socket/src/run.ts');
  const timer = /setTimeout\(\s*\(\)\s*=>\s*\{[^}]*shutdown timed out[^}]*\}\s*,\s*([^;]+?)\s*\)\s*;/.exec(source);
  if (timer?.[1] === undefined) throw new Error('run.ts: the shutdown timer ("shutdown timed out") was not found');
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
    throw new Error(`run.ts: cannot evaluate "${term}" in the shutdown bound "${timer[1]}"`);
  }, 0);
}

/** The variables services/lobby-example/src/config.ts reads (it has no exported list: read its source). */
export const LOBBY_NAMES = new Set(
  [...read('services/lobby-example/src/config.ts').matchAll(/value\('([A-Z][A-Z0-9_]*)'\)/g)].map((m) => m[1] ?? ''),
);

/** Records every variable `load` reads from the env it is given. */
export function readsOf<T>(load: (env: Env) => T, env: Env): { result: T; reads: Set<string> } {
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
/** A pod name as Kubernetes generates it, for env values that reference `metadata.name`. */
export const SAMPLE_POD_NAME = 'gamesocket-socket-7d9f8b6c5-x2x7q';

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile (line based).

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
/** One Dockerfile stage: its base image, its `AS` name and its instructions. */
export interface Stage {
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

/** A stage's COPY instructions: sources, destination and `--from` stage. */
export function copiesOf(stage: Stage): Copy[] {
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

/** A stage's last WORKDIR (throws when it sets none). */
export function workdirOf(stage: Stage): string {
  const workdir = stage.instructions.find((instruction) => instruction.keyword === 'WORKDIR')?.args;
  if (workdir === undefined) throw new Error(`stage ${stage.name ?? stage.image} has no WORKDIR`);
  return workdir;
}

/** Paths (relative to the runtime WORKDIR) that a stage's COPY instructions put in the image. */
export function shippedPaths(stage: Stage): string[] {
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

/** True when `path` is one of `roots` or inside one of them. */
export const isUnder = (path: string, roots: string[]): boolean =>
  roots.some((root) => path === root || path.startsWith(`${root}/`));

/** `.dockerignore` as Docker applies it: last matching pattern wins, `!` re-includes, a matched dir hides its files. */
export function dockerIgnored(patterns: string[], path: string): boolean {
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

/** Every file under `dir` (relative to the repository root), recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = posix.join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** The Dockerfile's stages, in order. */
export const dockerfile = parseDockerfile(read('Dockerfile'));
const firstStage = dockerfile[0];
const lastStage = dockerfile.at(-1);
if (firstStage === undefined || lastStage === undefined) throw new Error('Dockerfile has no stage');
/** The Dockerfile's first stage (the build). */
export const buildStage: Stage = firstStage;
/** The Dockerfile's last stage (the runtime image). */
export const runtimeStage: Stage = lastStage;

/** ENV of the runtime stage (KEY=value pairs). */
export const imageEnv: Record<string, string> = Object.fromEntries(
  runtimeStage.instructions
    .filter((instruction) => instruction.keyword === 'ENV')
    .flatMap((instruction) => [...instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)])
    .map((m) => [m[1] ?? '', (m[2] ?? '').replace(/^"|"$/g, '')]),
);

/** The exec (JSON array) form of a CMD / ENTRYPOINT / HEALTHCHECK, or throws naming `what`. */
export function jsonForm(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  return list(parsed, what).map((item) => text(item, what));
}

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml.

/** docker-compose.yml, parsed (YAML merge keys applied). */
export const compose = rec(parse(read('docker-compose.yml'), { merge: true }), 'docker-compose.yml');
/** docker-compose.yml's services by name. */
export const composeServices = rec(compose.services, 'docker-compose.yml services');

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

/** A compose service's environment, interpolated as compose does, and where each value came from. */
export function composeEnv(name: string): ComposeEnv {
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
/** The compose services that run the socket service image. */
export const socketServiceNames = Object.entries(composeServices)
  .filter(([, value]) => {
    const service = rec(value, 'compose service');
    const command = commandOf(service);
    return runsImage(service) && (command === undefined || command.includes(SOCKET_MAIN));
  })
  .map(([name]) => name);
/** The compose services that run the lobby example. */
export const lobbyServiceNames = Object.entries(composeServices)
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

/** The port and path a compose service's health check fetches. */
export function composeHealthcheck(name: string): { port: string; path: string } {
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
/** The haproxy.cfg section of that kind (and name), or throws. */
export const haproxySection = (kind: string, name?: string): HaproxySection => {
  const found = haproxy.find((section) => section.kind === kind && (name === undefined || section.name === name));
  if (found === undefined) throw new Error(`haproxy.cfg: no ${kind} ${name ?? ''}`);
  return found;
};
/** A section's directives that start with `words`, each split into words. */
export const directive = (section: HaproxySection, ...words: string[]): string[][] =>
  section.lines.filter((tokens) => words.every((word, i) => tokens[i] === word));

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes manifests.

const K8S_DIR = 'deploy/kubernetes';
/** The YAML files in deploy/kubernetes. */
export const k8sFiles = readdirSync(join(ROOT, K8S_DIR)).filter((file) => /\.ya?ml$/.test(file));
interface Manifest {
  file: string;
  kind: string;
  name: string;
  doc: Record<string, unknown>;
}
/** Every Kubernetes document of those files, with its kind, name and file. */
export const manifests: Manifest[] = k8sFiles.flatMap((file) =>
  parseAllDocuments(read(`${K8S_DIR}/${file}`)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    const doc = rec(document.toJS(), file);
    const kind = text(doc.kind, `${file} kind`);
    // A Kustomization needs no name; every Kubernetes object does.
    const name = kind === 'Kustomization' ? file : text(at(doc, 'metadata.name', file), file);
    return { file, kind, name, doc };
  }),
);
/** The one manifest of `kind` matching `predicate`, or throws. */
export const manifest = (kind: string, predicate: (m: Manifest) => boolean = () => true): Manifest => {
  const found = manifests.filter((m) => m.kind === kind && predicate(m));
  if (found.length !== 1) throw new Error(`expected one ${kind} manifest, found ${found.length}`);
  return found[0] as Manifest;
};
const configMaps = manifests.filter((m) => m.kind === 'ConfigMap');
/** The Secret manifests. */
export const secrets = manifests.filter((m) => m.kind === 'Secret');

/** A Deployment's pod template containers. */
export const containersOf = (deployment: Manifest): Record<string, unknown>[] =>
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

/** A Secret's values (`stringData`, or `data` decoded). */
export const secretValues = (secret: Manifest): Record<string, string> => {
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
export function containerEnv(container: Record<string, unknown>, placeholders: boolean): Record<string, string> {
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
/** A container's startup, readiness and liveness probes: kind, HTTP path or TCP, port. */
export function probesOf(container: Record<string, unknown>): Probe[] {
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
export function containerPort(container: Record<string, unknown>, port: unknown): number {
  const ports = list(container.ports ?? [], 'ports').map((p) => rec(p, 'port'));
  const found = ports.find((p) => p.name === port || p.containerPort === port);
  if (found === undefined) throw new Error(`container has no port ${String(port)}`);
  return Number(found.containerPort);
}

/** The Deployment that runs the socket service entry. */
export const socketDeployment = deploymentRunning(SOCKET_MAIN);
/** Its container that runs the entry. */
export const socketContainer = containerRunning(socketDeployment, SOCKET_MAIN);
/** The Deployment that runs the lobby example entry. */
export const lobbyDeployment = deploymentRunning(LOBBY_MAIN);
/** Its container that runs the entry. */
export const lobbyContainer = containerRunning(lobbyDeployment, LOBBY_MAIN);

// ---------------------------------------------------------------------------------------------------------------
// PromQL: metric names, `by (...)` labels and label matchers of an expression.

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'inf']);
/** Series Prometheus itself adds to every scrape target (no service exports them). */
export const PROMETHEUS_SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The metric names a PromQL expression reads (keywords and functions left out). */
export function metricNamesOf(expr: string): string[] {
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

/** The labels a PromQL expression aggregates `by`. */
export function byLabelsOf(expr: string): string[] {
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
/** A PromQL expression's label matchers, with the metric they apply to. */
export function matchersOf(expr: string): Matcher[] {
  const out: Matcher[] = [];
  for (const m of expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\}/g)) {
    for (const matcher of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      out.push({ metric: m[1] ?? '', label: matcher[1] ?? '', op: matcher[2] ?? '', value: matcher[3] ?? '' });
    }
  }
  return out;
}

/** Prometheus text exposition: the metric families (with their type) and every sample's labels. */
export function parseExposition(body: string): {
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
export function exportedNames(families: Map<string, string>): Set<string> {
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

/** deploy/grafana/gamesocket.json, parsed. */
export const dashboard = rec(JSON.parse(read('deploy/grafana/gamesocket.json')), 'gamesocket.json');
/** The dashboard's panels. */
export const dashboardPanels = list(dashboard.panels, 'panels').map((p) => rec(p, 'panel'));
/** The dashboard's template variables. */
export const dashboardTemplating = list(at(dashboard, 'templating.list'), 'templating.list').map((v) =>
  rec(v, 'variable'),
);
/** Every PromQL expression of the dashboard's panel targets, with where it is. */
export const dashboardExprs: { expr: string; where: string }[] = dashboardPanels.flatMap((panel) =>
  list(panel.targets ?? [], 'targets').map((target) => ({
    expr: text(rec(target, 'target').expr, `panel ${String(panel.title)} expr`),
    where: `panel "${String(panel.title)}"`,
  })),
);
/** `label_values(metric, label)` of the query variables. */
export const variableQueries = dashboardTemplating
  .filter((variable) => variable.type === 'query')
  .map((variable) => {
    const query = isRecord(variable.query) ? text(variable.query.query, 'query') : text(variable.query, 'query');
    const match = /^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/.exec(query);
    if (match?.[1] === undefined || match[2] === undefined) throw new Error(`variable query not understood: ${query}`);
    return { metric: match[1], label: match[2], where: `variable ${String(variable.name)}` };
  });

/** deploy/prometheus/prometheus.yml (the compose stack's Prometheus), parsed. */
export const prometheusConfig = rec(parse(read('deploy/prometheus/prometheus.yml')), 'prometheus.yml');
/** Every static scrape target of prometheus.yml: host, port and metrics path. */
export const prometheusTargets = list(prometheusConfig.scrape_configs, 'scrape_configs').flatMap((raw) => {
  const job = rec(raw, 'scrape_config');
  const path = text(job.metrics_path ?? '/metrics', 'metrics_path');
  return list(job.static_configs, 'static_configs').flatMap((config) =>
    list(rec(config, 'static_config').targets, 'targets').map((target) => {
      const [host = '', port = ''] = text(target, 'target').split(':');
      return { job: text(job.job_name, 'job_name'), host, port: Number(port), path };
    }),
  );
});

const alertsDoc = rec(parse(read('deploy/prometheus/alerts.yml')), 'alerts.yml');
/** The rules of deploy/prometheus/alerts.yml. */
export const alertRules = list(alertsDoc.groups, 'groups').flatMap((group) =>
  list(rec(group, 'group').rules, 'rules').map((rule) => rec(rule, 'rule')),
);
/** Every alert rule's PromQL expression, with its alert name. */
export const alertExprs = alertRules.map((rule) => ({
  expr: text(rule.expr, 'expr'),
  where: `alert ${text(rule.alert, 'alert')}`,
}));

// ---------------------------------------------------------------------------------------------------------------
// Every path a probe, health check, load balancer or scraper requests: checked against running apps below.

interface ProbePath {
  path: string;
  source: string;
  /** Served by the METRICS_PORT listener (a scraper's path), not by the main port. */
  metrics?: true;
}

/** The Dockerfile HEALTHCHECK's command and the port and path it fetches. */
export const dockerHealthcheck = (() => {
  const instruction = runtimeStage.instructions.find((i) => i.keyword === 'HEALTHCHECK');
  if (instruction === undefined) throw new Error('the Dockerfile has no HEALTHCHECK');
  const command = jsonForm(instruction.args.replace(/^.*?\bCMD\s+/, ''), 'HEALTHCHECK');
  return { command, target: fetchTarget(command[2] ?? '', 'HEALTHCHECK') };
})();

/** haproxy.cfg's frontend section. */
export const haproxyFrontend = haproxySection('frontend');
/** The backend the frontend sends to by default. */
export const haproxyBackend = haproxySection('backend', directive(haproxyFrontend, 'default_backend')[0]?.[1]);
/** The path of that backend's HTTP health check. */
export const haproxyCheckUri = (() => {
  const send = directive(haproxyBackend, 'http-check', 'send')[0] ?? [];
  const uri = send[send.indexOf('uri') + 1];
  if (!send.includes('uri') || uri === undefined) throw new Error('haproxy.cfg: no http-check send ... uri <path>');
  return uri;
})();

/** The Ingress rules' HTTP paths. */
export const ingressPaths = list(at(manifest('Ingress').doc, 'spec.rules'), 'rules').flatMap((rule) =>
  list(at(rule, 'http.paths'), 'paths').map((p) => rec(p, 'path')),
);
/** The socket pod template's annotations (the Prometheus scrape ones among them). */
export const scrapeAnnotations = rec(at(socketDeployment.doc, 'spec.template.metadata.annotations'), 'annotations');

const httpProbes = (container: Record<string, unknown>, prefix: string): ProbePath[] =>
  probesOf(container).flatMap((probe) =>
    probe.path === undefined ? [] : [{ path: probe.path, source: `${prefix} ${probe.kind}` }],
  );

/** Every path a probe, health check, load balancer or scraper requests from the socket service, and from where. */
export const socketProbePaths: ProbePath[] = [
  { path: dockerHealthcheck.target.path, source: 'Dockerfile HEALTHCHECK' },
  ...socketServiceNames.map((name) => ({ path: composeHealthcheck(name).path, source: `compose ${name} healthcheck` })),
  { path: haproxyCheckUri, source: 'haproxy http-check' },
  ...httpProbes(socketContainer, 'k8s'),
  {
    path: text(scrapeAnnotations['prometheus.io/path'], 'prometheus.io/path'),
    source: 'k8s scrape annotation',
    metrics: true,
  },
  ...prometheusTargets.map((target) => ({
    path: target.path,
    source: `compose prometheus target ${target.host}:${target.port}`,
    metrics: true as const,
  })),
  // The Engine.IO handshake a polling client sends first through the Ingress.
  ...ingressPaths.map((p) => ({ path: `${text(p.path, 'path')}?EIO=4&transport=polling`, source: 'Ingress path' })),
];
/** Every path a probe or health check requests from the lobby example, and from where. */
export const lobbyProbePaths: ProbePath[] = [
  ...lobbyServiceNames.map((name) => ({ path: composeHealthcheck(name).path, source: `compose ${name} healthcheck` })),
  ...httpProbes(lobbyContainer, 'k8s lobby'),
];
