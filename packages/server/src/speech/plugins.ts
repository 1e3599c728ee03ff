import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SpeechRegistry } from './registry.js';

/**
 * A module that adds speech providers to every registry this process builds (a custom vendor, a
 * fault-injecting provider for tests). It exports `registerSpeechProviders(registry)`.
 */
export interface SpeechPluginModule {
  registerSpeechProviders(registry: SpeechRegistry): void;
}

const loaded: SpeechPluginModule[] = [];

/**
 * Imports the plugin modules named by `UNPOD_SPEECH_PLUGINS` (file paths, relative to `cwd`, or
 * package specifiers). Fails with a clear message when a module cannot be loaded or lacks the export.
 */
export async function loadSpeechPlugins(specifiers: readonly string[], cwd = process.cwd()): Promise<void> {
  for (const specifier of specifiers) {
    const target = specifier.startsWith('.') || path.isAbsolute(specifier) ? pathToFileURL(path.resolve(cwd, specifier)).href : specifier;
    let mod: Partial<SpeechPluginModule>;
    try {
      mod = (await import(target)) as Partial<SpeechPluginModule>;
    } catch (err) {
      throw new Error(`speech plugin "${specifier}" could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof mod.registerSpeechProviders !== 'function') throw new Error(`speech plugin "${specifier}" does not export registerSpeechProviders(registry)`);
    loaded.push(mod as SpeechPluginModule);
  }
}

/** Registers the loaded plugins' providers on `registry`; returns it. */
export function applySpeechPlugins(registry: SpeechRegistry): SpeechRegistry {
  for (const plugin of loaded) plugin.registerSpeechProviders(registry);
  return registry;
}
