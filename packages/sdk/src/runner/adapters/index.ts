/**
 * Dialog adapters: how a brain plugs into `ctx.session.dialogMachine`. Bundled: plain functions,
 * an HTTP endpoint, any OpenAI-compatible chat-completions API. SuperDialog (and any other
 * framework) plugs in by implementing the same {@link DialogAdapter} interface.
 */
export * from './types.js';
export { functionAdapter, type FunctionBrain, type FunctionTurnInfo } from './function-adapter.js';
export { HttpAdapter, type HttpAdapterOptions, type HttpAdapterRequest } from './http-adapter.js';
export {
  OpenAICompatibleAdapter,
  type ChatMessage,
  type ChatTool,
  type OpenAICompatibleOptions,
  type ToolHandler,
} from './openai-compatible.js';
export type { ChatToolCall } from './openai-stream.js';
