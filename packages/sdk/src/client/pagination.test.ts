import type { Page } from '@unpod/protocol';
import { describe, expect, it } from 'vitest';
import { UnpodResponseError } from './errors.js';
import { PagePromise } from './pagination.js';

/** Pages of `items` in chunks of `size`; the cursor is the index of the next item. */
function pagedSource(items: number[], size: number) {
  const calls: (string | undefined)[] = [];
  const fetchPage = (cursor: string | undefined): Promise<Page<number>> => {
    calls.push(cursor);
    const start = cursor === undefined ? 0 : Number(cursor);
    const end = start + size;
    return Promise.resolve({ data: items.slice(start, end), next_cursor: end < items.length ? String(end) : null });
  };
  return { fetchPage, calls };
}

describe('PagePromise', () => {
  it('resolves to the first page when awaited', async () => {
    const source = pagedSource([1, 2, 3, 4, 5], 2);
    const page = await new PagePromise(source.fetchPage);
    expect(page).toEqual({ data: [1, 2], next_cursor: '2' });
    expect(source.calls).toEqual([undefined]);
  });

  it('sends nothing until awaited or iterated', () => {
    const source = pagedSource([1], 1);
    new PagePromise(source.fetchPage);
    expect(source.calls).toEqual([]);
  });

  it('iterates every item across pages, following next_cursor to null', async () => {
    const source = pagedSource([1, 2, 3, 4, 5], 2);
    const seen: number[] = [];
    for await (const item of new PagePromise(source.fetchPage)) seen.push(item);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(source.calls).toEqual([undefined, '2', '4']);
  });

  it('reuses the awaited first page when iterated afterwards', async () => {
    const source = pagedSource([1, 2, 3], 2);
    const list = new PagePromise(source.fetchPage);
    await list;
    expect(await list.toArray()).toEqual([1, 2, 3]);
    expect(source.calls).toEqual([undefined, '2']);
  });

  it('starts at the caller-given cursor', async () => {
    const source = pagedSource([1, 2, 3, 4], 2);
    expect(await new PagePromise(source.fetchPage, '2').toArray()).toEqual([3, 4]);
  });

  it('stops fetching when the loop breaks', async () => {
    const source = pagedSource([1, 2, 3, 4, 5, 6], 2);
    for await (const item of new PagePromise(source.fetchPage)) if (item === 2) break;
    expect(source.calls).toEqual([undefined]);
  });

  it('yields whole pages from pages()', async () => {
    const source = pagedSource([1, 2, 3], 2);
    const pages: number[][] = [];
    for await (const page of new PagePromise(source.fetchPage).pages()) pages.push(page.data);
    expect(pages).toEqual([[1, 2], [3]]);
  });

  it('refuses to loop when the server repeats a cursor', async () => {
    const list = new PagePromise<number>(() => Promise.resolve({ data: [1], next_cursor: 'same' }));
    await expect(list.toArray()).rejects.toBeInstanceOf(UnpodResponseError);
  });

  it('rejects through then, catch and finally when the first page fails', async () => {
    const failing = () => new PagePromise<number>(() => Promise.reject(new Error('boom')));
    await expect(failing()).rejects.toThrow('boom');
    expect(await failing().catch(() => 'caught')).toBe('caught');
    let finalised = false;
    await expect(failing().finally(() => (finalised = true))).rejects.toThrow('boom');
    expect(finalised).toBe(true);
  });
});
