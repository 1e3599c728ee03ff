import type { ServerConfig } from '../config.js';
import { Store } from '../control/store/store.js';

async function withStore<T>(config: ServerConfig, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `unpod keys create`: the raw key goes to stdout alone (scriptable); details to stderr. */
export function runKeysCreate(config: ServerConfig, flags: { name: string; space: string; json?: boolean | undefined }): Promise<void> {
  return withStore(config, async (store) => {
    const { space, created } = await store.spaces.ensure(flags.space);
    const key = await store.apiKeys.create(space.id, flags.name);
    if (flags.json) {
      process.stdout.write(JSON.stringify({ ...key, space_name: space.name }, null, 2) + '\n');
      return;
    }
    process.stderr.write(`${created ? 'Created space' : 'Space'} "${space.name}" (${space.id}); new key ${key.id} "${key.name}". Store it now: it is not shown again.\n`);
    process.stdout.write(`${key.key}\n`);
  });
}

export function runKeysList(config: ServerConfig, spaceName: string): Promise<void> {
  return withStore(config, async (store) => {
    const space = await store.spaces.findByName(spaceName);
    if (!space) throw new Error(`no space named "${spaceName}"`);
    let cursor: string | undefined;
    do {
      const page = await store.apiKeys.list(space.id, { limit: 200, cursor });
      for (const k of page.data) process.stdout.write(`${k.id}  ${k.masked_key}  ${k.status.padEnd(7)}  ${k.created_at}  ${k.name}\n`);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  });
}

export function runKeysRevoke(config: ServerConfig, spaceName: string, id: string): Promise<void> {
  return withStore(config, async (store) => {
    const space = await store.spaces.findByName(spaceName);
    if (!space) throw new Error(`no space named "${spaceName}"`);
    const key = await store.apiKeys.revoke(space.id, id);
    if (!key) throw new Error(`no key ${id} in space "${spaceName}"`);
    process.stdout.write(`revoked ${key.id} (${key.masked_key})\n`);
  });
}
