import type { Logger } from '../logger.js';

/** A map from hook name to its argument tuple. */
export type HookMap<M> = { [K in keyof M]: unknown[] };

/** A hook handler; may be async. Its return value is ignored. */
export type HookHandler<Args extends unknown[]> = (...args: Args) => unknown;

/**
 * Named hooks with several handlers each, run in registration order. A handler that throws (or
 * rejects) is logged and isolated: later handlers and the caller carry on.
 */
export class HookRegistry<M extends HookMap<M>> {
  private readonly handlers = new Map<keyof M, HookHandler<never[]>[]>();

  constructor(
    private readonly names: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  /** Register `handler` for `name`; returns a function that removes it. Unknown names throw. */
  on<K extends keyof M & string>(name: K, handler: HookHandler<M[K]>): () => void {
    if (!this.names.has(name)) {
      throw new TypeError(`unknown hook "${name}"; expected one of: ${[...this.names].join(', ')}`);
    }
    if (typeof handler !== 'function') throw new TypeError(`hook "${name}" handler must be a function`);
    const list = this.handlers.get(name) ?? [];
    list.push(handler as HookHandler<never[]>);
    this.handlers.set(name, list);
    return () => {
      const current = this.handlers.get(name);
      const index = current?.indexOf(handler as HookHandler<never[]>) ?? -1;
      if (current && index >= 0) current.splice(index, 1);
    };
  }

  /** True when at least one handler is registered for `name`. */
  has(name: keyof M & string): boolean {
    return (this.handlers.get(name)?.length ?? 0) > 0;
  }

  /** Run every handler for `name` in order, awaiting each; failures are logged, never thrown. */
  async emit<K extends keyof M & string>(name: K, ...args: M[K]): Promise<void> {
    const list = this.handlers.get(name);
    if (!list || list.length === 0) return;
    for (const handler of [...list]) {
      try {
        await (handler as HookHandler<M[K]>)(...args);
      } catch (err) {
        this.logger.error({ hook: name, handler: handler.name || '(anonymous)', err }, 'hook handler threw; continuing');
      }
    }
  }
}
