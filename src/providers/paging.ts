import { ProviderApiError } from '../errors.js';

/** One page of a cursor-paged list. */
export interface Page<T> {
  items: T[];
  /** Whether the provider says there is more (a full page, `hasNextPage`). */
  hasMore: boolean;
  /** The cursor of the next page. */
  next?: string;
}

export interface PagingLimits {
  /** "Render", "Railway": for messages. */
  label: string;
  /** What is being listed, e.g. "listing deploys". */
  what: string;
  maxPages: number;
  /**
   * At `maxPages`: `stop` when the newest pages are all the caller needs (recent history), `fail` when
   * the rest of the list could hold what is being looked for.
   */
  atLimit: 'stop' | 'fail';
  /** The fix for a list that cannot be read to the end, e.g. "pass `deploy-id`". */
  fix: string;
}

/**
 * Reads a cursor-paged list page by page, for as long as the caller iterates. A list that cannot be read
 * to the end is an error, never a silently shorter list: a page that says there is more but gives no
 * cursor, a cursor that comes back twice, or (with `atLimit: 'fail'`) more than `maxPages` pages.
 */
export async function* cursorPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  limits: PagingLimits,
): AsyncGenerator<T[]> {
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 1; ; page++) {
    const { items, hasMore, next } = await fetchPage(cursor);
    yield items;
    if (!hasMore) return;
    if (!next) {
      throw new ProviderApiError(
        `${limits.label} API: ${limits.what} returned a full page without a cursor for the next one; the list cannot be ` +
          `read to the end. ${limits.fix}`,
      );
    }
    if (seen.has(next) || page >= limits.maxPages) {
      if (!seen.has(next) && limits.atLimit === 'stop') return;
      throw new ProviderApiError(
        `${limits.label} API: ${limits.what} did not end (${seen.has(next) ? 'the same cursor came back twice' : `more than ${limits.maxPages} pages`}); ` +
          `${limits.fix.charAt(0).toLowerCase()}${limits.fix.slice(1)}`,
      );
    }
    seen.add(next);
    cursor = next;
  }
}
