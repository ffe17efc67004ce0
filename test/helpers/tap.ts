import type { BuiltPlugins, Test } from '@tapjs/test';

/** The `t` a tap subtest callback receives, for helpers that take one. */
export type TapTest = Test & BuiltPlugins;
