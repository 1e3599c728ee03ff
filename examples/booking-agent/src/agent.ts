import { fileURLToPath } from 'node:url';
import { DialogMachine, loadPlaybook, superDialogAdapter, type DialogMachineOptions, type Loaded, type Logger, type ProviderChoice } from '@unpod/superdialog';
import type { CallContext } from 'unpod';
import { Calendar } from './calendar.js';

/** The booking playbook shipped next to this package (`playbook.yaml`). */
export const PLAYBOOK_PATH = fileURLToPath(new URL('../playbook.yaml', import.meta.url));

export function loadBookingPlaybook(file = PLAYBOOK_PATH): Promise<Loaded> {
  return loadPlaybook(file);
}

export interface BookingAgentOptions {
  /** `rules` (offline, default) or an LLM provider. */
  provider?: ProviderChoice;
  calendar?: Calendar;
  clock?: () => Date;
  logger?: Logger;
}

/** A fresh dialog machine for one call. */
export function createBookingMachine(loaded: Loaded, options: BookingAgentOptions = {}): DialogMachine {
  const calendar = options.calendar ?? new Calendar();
  const machineOptions: DialogMachineOptions = {
    provider: options.provider ?? 'rules',
    tools: { create_booking: (args) => calendar.book(args) },
    clock: options.clock,
    logger: options.logger,
  };
  return new DialogMachine(loaded, machineOptions);
}

/**
 * Per call: a machine on the booking playbook, plugged in with `superDialogAdapter`; speech hints
 * go to the server when it negotiated `agent.hints`; "let me talk to a person" transfers to the
 * front desk; the server's silence events drive the playbook's silence policy; the opening line
 * is spoken before the first caller turn.
 */
export function bookingEntrypoint(loaded: Loaded, options: BookingAgentOptions = {}): (ctx: CallContext) => Promise<void> {
  const calendar = options.calendar ?? new Calendar();
  return async (ctx) => {
    const machine = createBookingMachine(loaded, { ...options, calendar });
    const hints = ctx.session.supports('agent.hints');
    const adapter = superDialogAdapter(machine, {
      onHints: (phrases) => {
        if (hints && ctx.session.isOpen) ctx.session.setHints(phrases);
      },
      onAction: (action) => {
        if (action.type === 'transfer' && ctx.session.isOpen) ctx.session.transferToHuman(action.target);
      },
    });
    ctx.session.dialogMachine = adapter;
    // The caller went quiet: the playbook's silence policy re-prompts, then gives up politely.
    ctx.session.on('silence', async () => {
      if (machine.isComplete || !ctx.session.isOpen) return;
      const line = await machine.onExternal('silence');
      if (line && ctx.session.isOpen) ctx.session.say(line);
      if (machine.isComplete && ctx.session.isOpen) ctx.session.end('completed');
    });
    const opening = await adapter.opening(ctx.session.signal);
    if (opening) ctx.session.say(opening);
    await ctx.session.run();
  };
}
