import { ElevenLabsTts } from './elevenlabs.js';
import { describeLive } from './testing/live.js';

describeLive('elevenlabs', 'ELEVENLABS_API_KEY', (apiKey) => new ElevenLabsTts({ apiKey }), { streams: true });
