import { CartesiaTts } from './cartesia.js';
import { describeLive } from './testing/live.js';

describeLive('cartesia', 'CARTESIA_API_KEY', (apiKey) => new CartesiaTts({ apiKey }), { streams: true });
