import { functionAdapter, type CallContext, type FunctionTurnInfo } from 'unpod';

/** The reply, streamed one word at a time so the caller starts hearing it at once. */
export async function* echoReply(text: string, { signal }: FunctionTurnInfo): AsyncGenerator<string> {
  const words = `You said: ${text}`.split(/\s+/).filter(Boolean);
  for (const [index, word] of words.entries()) {
    if (signal.aborted) return;
    yield index < words.length - 1 ? `${word} ` : word;
  }
}

/** Said when the server reports the caller has gone quiet (the pipe's `silence_timeout_s`). */
export const IDLE_PROMPT = 'Are you still there?';

/** Per call: greet, then echo every turn until the caller hangs up; prompt a silent caller. */
export async function echoEntrypoint(ctx: CallContext): Promise<void> {
  ctx.session.dialogMachine = functionAdapter(echoReply);
  ctx.session.on('silence', () => ctx.session.say(IDLE_PROMPT));
  ctx.session.say('Hi! Say something and I will repeat it.');
  await ctx.session.run();
}
