import { SuperDialogError } from '../errors.js';
import { AnthropicProvider } from './anthropic.js';
import { OpenAIProvider } from './openai.js';
import type { LlmProvider } from './types.js';

const OPENAI_API = 'https://api.openai.com/v1';

/**
 * The provider the environment asks for, or null for rules mode. The one place that reads model
 * settings: `OPENAI_BASE_URL` (any OpenAI-compatible server) / `OPENAI_API_KEY` / `OPENAI_MODEL`
 * (default gpt-4o-mini), or `ANTHROPIC_API_KEY` / `ANTHROPIC_MODEL` / `ANTHROPIC_BASE_URL`.
 * `SUPERDIALOG_LLM_TIMEOUT_MS` bounds each request's idle time. Fails fast on a half-set config.
 */
export function providerFromEnv(env: NodeJS.ProcessEnv): LlmProvider | null {
  const timeoutMs = env.SUPERDIALOG_LLM_TIMEOUT_MS ? Number(env.SUPERDIALOG_LLM_TIMEOUT_MS) : undefined;
  if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
    throw new SuperDialogError('invalid_argument', 'SUPERDIALOG_LLM_TIMEOUT_MS must be a positive number of milliseconds');
  }
  const openaiKey = env.OPENAI_API_KEY?.trim();
  const openaiBase = env.OPENAI_BASE_URL?.trim();
  if (openaiKey || openaiBase) {
    const baseUrl = openaiBase || OPENAI_API;
    if (!openaiKey && baseUrl === OPENAI_API) throw new SuperDialogError('invalid_argument', 'OPENAI_API_KEY is required for the OpenAI API');
    return new OpenAIProvider({ baseUrl, apiKey: openaiKey || undefined, model: env.OPENAI_MODEL?.trim() || 'gpt-4o-mini', timeoutMs });
  }
  const anthropicKey = env.ANTHROPIC_API_KEY?.trim();
  if (anthropicKey) {
    return new AnthropicProvider({ baseUrl: env.ANTHROPIC_BASE_URL?.trim() || undefined, apiKey: anthropicKey, model: env.ANTHROPIC_MODEL?.trim() || 'claude-haiku-4-5', timeoutMs });
  }
  return null;
}
