/** The Dockerfile and .dockerignore against the built entry points and the sources they copy. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import t from 'tap';
import { MAIN_JS } from '@gamesocket/test-helpers';
import {
  ROOT,
  read,
  text,
  at,
  rootPackage,
  workspaces,
  builtWorkspaces,
  scripts,
  SOCKET_MAIN,
  LOBBY_MAIN,
  DEFAULT_PORT,
  type Stage,
  copiesOf,
  workdirOf,
  shippedPaths,
  isUnder,
  dockerIgnored,
  filesUnder,
  dockerfile,
  buildStage,
  runtimeStage,
  imageEnv,
  jsonForm,
} from './deploy/artifacts.js';

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
  t.same(
    builtWorkspaces.filter((workspace) => !workspaces.includes(workspace)),
    [],
    'the build compiles workspaces only',
  );
  for (const workspace of builtWorkspaces) {
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
  t.same(
    jsonForm(cmd[0]?.args ?? '[]', 'CMD'),
    ['node', SOCKET_MAIN],
    'CMD runs the production entry, the service alone (exec form)',
  );
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
  for (const workspace of builtWorkspaces) t.ok(isUnder(`${workspace}/dist`, shipped), `${workspace}/dist is copied`);
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
  const assets = builtWorkspaces.flatMap((workspace) =>
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
