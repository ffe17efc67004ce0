import { VARIABLES } from './variables.js';

/** The README line after which the generated configuration table starts. */
export const CONFIG_TABLE_START = '<!-- config-table:start -->';
/** The README line before which the generated configuration table ends. */
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

const cell = (markdown: string): string => markdown.replaceAll('|', '\\|');

/** The README's configuration table, one row per `VARIABLES` entry, unpadded (prettier aligns it). */
export function configTable(): string {
  const rows = Object.values(VARIABLES).map(
    (variable) =>
      `| \`${variable.name}\` | ${cell(variable.doc)} | ${cell(variable.values)} | ${cell(variable.defaultDoc)} |`,
  );
  return ['| variable | meaning | values | default |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * `readme` with the block between `CONFIG_TABLE_START` and `CONFIG_TABLE_END` replaced by `table`.
 * @throws Error when the markers are missing or out of order.
 */
export function withConfigTable(readme: string, table: string): string {
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start === -1 || end < start) {
    throw new Error(`README.md needs the lines ${CONFIG_TABLE_START} and ${CONFIG_TABLE_END}, in this order`);
  }
  return `${readme.slice(0, start + CONFIG_TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}
