import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { applySpeechPlugins, loadSpeechPlugins } from './plugins.js';
import { SpeechRegistry } from './registry.js';

describe('speech plugins (UNPOD_SPEECH_PLUGINS)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'unpod-plugins-'));
    await writeFile(path.join(dir, 'good.mjs'), "export function registerSpeechProviders(registry) { registry.registerTts('plugged', () => ({ provider: 'plugged' })); }\n");
    await writeFile(path.join(dir, 'bare.mjs'), 'export const nothing = 1;\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a loaded plugin registers its providers on every registry built afterwards', async () => {
    await loadSpeechPlugins(['./good.mjs'], dir);
    expect(applySpeechPlugins(new SpeechRegistry()).providers('tts')).toEqual(['plugged']);
  });

  it('a module that cannot be loaded fails with its name', async () => {
    await expect(loadSpeechPlugins([path.join(dir, 'missing.mjs')])).rejects.toThrow(/speech plugin ".*missing\.mjs" could not be loaded/);
  });

  it('a module without registerSpeechProviders fails with what it lacks', async () => {
    await expect(loadSpeechPlugins([path.join(dir, 'bare.mjs')])).rejects.toThrow(/does not export registerSpeechProviders\(registry\)/);
  });

  it('the config reads a comma-separated list, relative paths against the working directory', () => {
    const config = loadConfig({}, { UNPOD_SPEECH_PLUGINS: ' ./a.js , /abs/b.js,,' }, '/srv/unpod');
    expect(config.speechPlugins).toEqual(['/srv/unpod/a.js', '/abs/b.js']);
    expect(loadConfig({}, {}, '/srv').speechPlugins).toEqual([]);
  });
});
