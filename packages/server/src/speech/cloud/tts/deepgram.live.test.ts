import { DeepgramTts } from './deepgram.js';
import { describeLive } from './testing/live.js';

describeLive('deepgram', 'DEEPGRAM_API_KEY', (apiKey) => new DeepgramTts({ apiKey }), { streams: true });
