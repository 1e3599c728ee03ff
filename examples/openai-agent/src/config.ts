/** Settings of the OpenAI agent, read once at start-up from the environment. */
export interface OpenAIAgentConfig {
  agentId: string;
  /** Chat-completions API root, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Optional for local servers that need no key. */
  apiKey: string | undefined;
  systemPrompt: string;
}

const OPENAI_API = 'https://api.openai.com/v1';

const DEFAULT_PROMPT =
  'You are a friendly voice assistant on a phone call. Answer in one or two short spoken sentences, ' +
  'without lists, markdown or emoji. When the caller is done, say goodbye and call the end_call tool.';

/**
 * `OPENAI_BASE_URL` (default the OpenAI API), `OPENAI_MODEL` (required), `OPENAI_API_KEY`
 * (required for the OpenAI API), `UNPOD_AGENT_ID` (default `openai-agent`), `SYSTEM_PROMPT`.
 * Throws one error naming everything that is missing.
 */
export function loadConfig(env: NodeJS.ProcessEnv): OpenAIAgentConfig {
  const baseUrl = env.OPENAI_BASE_URL?.trim() || OPENAI_API;
  const model = env.OPENAI_MODEL?.trim();
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const missing: string[] = [];
  if (!model) missing.push('OPENAI_MODEL (e.g. gpt-4o-mini, or the model name your server serves)');
  if (!apiKey && baseUrl === OPENAI_API) missing.push('OPENAI_API_KEY (or set OPENAI_BASE_URL to a local OpenAI-compatible server)');
  if (missing.length > 0) throw new Error(`openai-agent: missing configuration:\n  - ${missing.join('\n  - ')}`);
  return {
    agentId: env.UNPOD_AGENT_ID?.trim() || 'openai-agent',
    baseUrl,
    model: model!,
    apiKey,
    systemPrompt: env.SYSTEM_PROMPT?.trim() || DEFAULT_PROMPT,
  };
}
