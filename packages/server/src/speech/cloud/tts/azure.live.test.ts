import { AzureTts } from './azure.js';
import { describeLive } from './testing/live.js';

describeLive('azure', 'AZURE_SPEECH_KEY', (apiKey) => new AzureTts({ apiKey, region: process.env['AZURE_SPEECH_REGION'] }), { streams: true, extraEnv: ['AZURE_SPEECH_REGION'] });
