import type { DialogAdapter, LlmCallback, StreamOptions, ToolCallbacks } from 'unpod';
import type { HostAction } from './engine/events.js';
import type { DialogMachine } from './machine.js';

/** Options of {@link superDialogAdapter}. */
export interface SuperDialogAdapterOptions {
  /**
   * After every turn (and the opening), the phrases the caller is likely to say next; pass them
   * to `ctx.session.setHints(phrases)` when the server negotiated `agent.hints`.
   */
  onHints?: (phrases: string[]) => void;
  /**
   * A host action the dialog decided on: `transfer` (the caller asked for a person; call
   * `ctx.session.transferToHuman(target)`) or `end`. Ending is also signalled through
   * `isComplete`, which the session acts on by itself.
   */
  onAction?: (action: HostAction) => void;
}

/** The adapter plus the machine it drives. */
export interface SuperDialogAdapter extends DialogAdapter {
  readonly machine: DialogMachine;
  /** Stream the opening turn (for `ctx.session.say(...)` before `run()`). */
  opening(signal?: AbortSignal): Promise<string>;
}

/**
 * Plug a {@link DialogMachine} into an Unpod call: `ctx.session.dialogMachine =
 * superDialogAdapter(machine)`. `stream` yields the machine's real text chunks and stops on the
 * session's AbortSignal; barge-in trims the log to the heard prefix; every model call is reported
 * to the session's `llm_call` hook with tokens in/out/cached; tool calls and results reach the
 * `tool_call` / `tool_result` hooks; the call ends when the playbook reaches a terminal
 * checkpoint or the caller says goodbye (but not on a transfer, which hands the call over).
 */
export function superDialogAdapter(machine: DialogMachine, options: SuperDialogAdapterOptions = {}): SuperDialogAdapter {
  let dispatched: HostAction | null = null;
  // Host callbacks must never turn a finished reply into an adapter failure.
  const guarded = (fn: () => void): void => {
    try {
      fn();
    } catch {
      // The host's own hooks report their failures; the turn itself succeeded.
    }
  };
  const afterTurn = (): void => {
    const meta = machine.lastTurn?.metadata;
    if (!meta) return;
    if (!meta.ended) guarded(() => options.onHints?.(meta.hints));
    if (meta.action && meta.action !== dispatched) {
      const action = meta.action;
      dispatched = action;
      guarded(() => options.onAction?.(action));
    }
  };
  return {
    machine,
    async *stream(text: string, streamOptions: StreamOptions): AsyncGenerator<string> {
      try {
        for await (const piece of machine.stream(text, { signal: streamOptions.signal, language: streamOptions.language })) yield piece;
      } finally {
        afterTurn();
      }
    },
    async turn(text: string, streamOptions: Partial<StreamOptions> = {}): Promise<string> {
      const result = await machine.turn(text, { signal: streamOptions.signal, language: streamOptions.language ?? null });
      afterTurn();
      return result.text;
    },
    async opening(signal?: AbortSignal): Promise<string> {
      const result = await machine.start({ signal });
      afterTurn();
      return result.text;
    },
    assist(instruction: string): void {
      machine.assist(instruction);
    },
    markInterrupted(heardText: string | null): void {
      machine.markInterrupted(heardText);
    },
    get isComplete(): boolean {
      return machine.isComplete && machine.lastTurn?.metadata.action?.type !== 'transfer';
    },
    get state(): Readonly<Record<string, unknown>> {
      return machine.state;
    },
    registerLlmCallback(callback: LlmCallback): void {
      machine.registerLlmCallback((r) => {
        void Promise.resolve(
          callback({
            model: r.model,
            callType: r.purpose,
            latencyMs: r.latencyMs,
            tokensIn: r.usage?.tokensIn ?? null,
            tokensOut: r.usage?.tokensOut ?? null,
            cached: r.usage?.cached ?? null,
            cacheWrite: r.usage?.cacheWrite ?? null,
            estimated: false,
            nodeId: typeof machine.state.checkpoint === 'string' ? machine.state.checkpoint : null,
            edgeId: null,
            promptMessages: r.messages,
            responseJson: r.response,
          }),
        ).catch(() => undefined);
      });
    },
    registerToolCallbacks(callbacks: ToolCallbacks): void {
      const engine = machine.playbookEngine;
      if (!engine) return;
      const open = new Map<string, { id: string; started: number; args: unknown }>();
      engine.log.subscribe((event) => {
        if (event.type === 'tool_call') {
          const id = `tool-${event.version}`;
          open.set(event.tool, { id, started: performance.now(), args: event.args });
          void Promise.resolve(callbacks.toolCall({ id, name: event.tool, arguments: event.args })).catch(() => undefined);
        } else if (event.type === 'tool_result') {
          const call = open.get(event.tool);
          open.delete(event.tool);
          if (!call) return;
          void Promise.resolve(
            callbacks.toolResult({ id: call.id, name: event.tool, arguments: call.args, result: event.data, error: event.error, latencyMs: performance.now() - call.started }),
          ).catch(() => undefined);
        }
      });
    },
  };
}
