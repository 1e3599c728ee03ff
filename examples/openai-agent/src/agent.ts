import { OpenAICompatibleAdapter, type CallContext, type ChatTool } from 'unpod';
import type { OpenAIAgentConfig } from './config.js';

const TOOLS: ChatTool[] = [
  { name: 'end_call', description: 'Hang up after your goodbye has been spoken.', parameters: { type: 'object', properties: {} } },
  { name: 'current_time', description: 'The current date and time (ISO 8601, UTC).', parameters: { type: 'object', properties: {} } },
];

/** An entrypoint that gives every call its own conversation with the model. */
export function createEntrypoint(config: OpenAIAgentConfig): (ctx: CallContext) => Promise<void> {
  return async (ctx) => {
    const prompt = ctx.instructions ? `${config.systemPrompt}\n\nInstructions for this call: ${ctx.instructions}` : config.systemPrompt;
    ctx.session.dialogMachine = new OpenAICompatibleAdapter({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      model: config.model,
      systemPrompt: prompt,
      tools: TOOLS,
      onToolCall: (call) => {
        if (call.name === 'end_call') {
          ctx.session.end('completed');
          return { ok: true };
        }
        if (call.name === 'current_time') return { now: new Date().toISOString() };
        return { error: `unknown tool ${call.name}` };
      },
    });
    await ctx.session.run();
  };
}
