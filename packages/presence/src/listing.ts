/** True when `id` contains `search`, case-insensitively; an empty or missing search matches everything. */
export function matchesSearch(id: string, search: string | undefined): boolean {
  return search === undefined || search === '' || id.toLowerCase().includes(search.toLowerCase());
}

/** Orders strings by code unit, as the stores' listings are ordered. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The ids matching `search`, ordered, and how many there were before `limit` cut them. */
export function page(
  ids: Iterable<string>,
  query: { limit: number; search?: string },
): { ids: string[]; matched: number } {
  const matching = [...ids].filter((id) => matchesSearch(id, query.search)).sort(byCodeUnit);
  return { ids: matching.slice(0, Math.max(0, query.limit)), matched: matching.length };
}
