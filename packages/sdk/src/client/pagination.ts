import type { Page } from '@unpod/protocol';
import { UnpodResponseError } from './errors.js';

/**
 * Paging parameters every list method accepts. A type alias rather than an interface so that the
 * filter types built on it stay assignable to the transport's query record.
 */
 
export type ListParams = {
  /** Items per page (server default 50, at most 200). */
  limit?: number | undefined;
  /** Resume after this `next_cursor` from an earlier page. */
  cursor?: string | undefined;
};

/** Fetch the page that starts at `cursor` (undefined: the first page). */
export type PageFetcher<T> = (cursor: string | undefined) => Promise<Page<T>>;

/**
 * The result of a list call: await it for one page (`{data, next_cursor}`), or iterate it with
 * `for await` to walk every item across pages, following `next_cursor` until it is null.
 *
 * Nothing is sent until the object is awaited or iterated. The first page is fetched at most once
 * per `PagePromise`, so awaiting and then iterating costs no extra request.
 */
export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  readonly #fetchPage: PageFetcher<T>;
  readonly #startCursor: string | undefined;
  #first: Promise<Page<T>> | undefined;

  /**
   * @param fetchPage loads the page at a cursor
   * @param startCursor where the first page starts (the caller's `cursor` param)
   */
  constructor(fetchPage: PageFetcher<T>, startCursor?: string) {
    this.#fetchPage = fetchPage;
    this.#startCursor = startCursor;
  }

  #firstPage(): Promise<Page<T>> {
    this.#first ??= this.#fetchPage(this.#startCursor);
    return this.#first;
  }

  /** Resolve with the first page. */
  then<R1 = Page<T>, R2 = never>(
    onFulfilled?: ((page: Page<T>) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#firstPage().then(onFulfilled, onRejected);
  }

  /** Like `Promise.prototype.catch` on the first page. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<Page<T> | R> {
    return this.#firstPage().catch(onRejected);
  }

  /** Like `Promise.prototype.finally` on the first page. */
  finally(onFinally?: (() => void) | null): Promise<Page<T>> {
    return this.#firstPage().finally(onFinally);
  }

  /** Walk whole pages, first to last. Stops when `next_cursor` is null. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let page = await this.#firstPage();
    yield page;
    const seen = new Set<string>();
    while (page.next_cursor !== null) {
      // A server that hands back a cursor it already gave would otherwise loop forever.
      if (seen.has(page.next_cursor)) throw new UnpodResponseError('the server repeated a pagination cursor');
      seen.add(page.next_cursor);
      page = await this.#fetchPage(page.next_cursor);
      yield page;
    }
  }

  /** Walk every item of every page. Breaking out of the loop stops fetching. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Collect every item of every page into one array; mind the size of what you list. */
  async toArray(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}
