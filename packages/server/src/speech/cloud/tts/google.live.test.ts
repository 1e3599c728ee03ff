import { GoogleTts } from './google.js';
import { describeLive } from './testing/live.js';

describeLive('google', 'GOOGLE_API_KEY', (apiKey) => new GoogleTts({ apiKey }), { streams: false });
