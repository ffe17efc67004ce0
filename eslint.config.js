import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The socket service's layers, lowest first: a module may import its own folder and the folders
 * before its own, never one after it (the files at `src/` itself — app, run, main, start, socket-server… — are
 * the top and import anything). docs/architecture.md draws the same order.
 */
const SOCKET_LAYERS = [
  'core',
  'config',
  'cluster',
  'auth',
  'intents',
  'delivery',
  'presence',
  'lifetime',
  'events',
  'handshake',
  'http',
];
const ROOT_MODULES = ['app', 'main', 'run', 'start', 'example-backend', 'socket-server'];

/** No package reaches into another's files: only its name (its `exports`) is public. */
const noReachingIn = {
  regex: '^(@gamesocket/[^/]+/.+|(\\.\\./){2,}(packages|services|test|bench)/.*)$',
  message: 'import another package by its name (its index), not its files',
};

const layerRules = SOCKET_LAYERS.map((layer, i) => ({
  files: [`services/socket/src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          noReachingIn,
          {
            regex: `^(\\.\\./)+(${[...SOCKET_LAYERS.slice(i + 1)].join('|') || '$^'})/`,
            message: `${layer}/ may import only the folders below it (${SOCKET_LAYERS.join(' < ')})`,
          },
          {
            regex: `^(\\.\\./)+(${ROOT_MODULES.join('|')})\\.js$`,
            message: `${layer}/ must not import the composition root`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'coverage/**', '.tap/**', '.cache/**', 'services/socket/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noReachingIn] }],
      // A dependency's private member (by convention `_name`) is touched only in the internals seam.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^_/]',
          message: "a dependency's private member belongs in services/socket/src/core/internals.ts (docs/internals.md)",
        },
      ],
    },
  },
  { files: ['services/socket/src/core/internals.ts'], rules: { 'no-restricted-syntax': 'off' } },
  ...layerRules,
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)test/helpers(/|$)', message: 'import @gamesocket/test-helpers by name' }] },
      ],
    },
  },
  {
    // The unit tier is pure and runs first: no Redis, no sockets, no child processes.
    files: ['**/test/unit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            '@gamesocket/test-helpers',
            '@gamesocket/redis',
            'ioredis',
            'socket.io',
            'socket.io-client',
            'ws',
          ].map((name) => ({ name, message: 'the unit tier starts no Redis, socket or process: an integration test' })),
          patterns: [
            { regex: '(^|/)test/helpers(/|$)', message: 'import @gamesocket/test-helpers by name' },
            {
              regex: '^node:(child_process|net|dgram|cluster)$',
              message: 'the unit tier starts no Redis, socket or process: an integration test',
            },
          ],
        },
      ],
    },
  },
);
