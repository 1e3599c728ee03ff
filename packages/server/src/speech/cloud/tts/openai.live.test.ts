import { OpenAiTts } from './openai.js';
import { describeLive } from './testing/live.js';

describeLive('openai', 'OPENAI_API_KEY', (apiKey) => new OpenAiTts({ apiKey, model: 'gpt-4o-mini-tts' }), { streams: true });
