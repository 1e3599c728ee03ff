import type { ServerConfig } from '../config.js';
import { Store } from '../control/store/store.js';

export async function runMigrate(config: ServerConfig): Promise<void> {
  const store = await Store.open({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const report = await store.migrate();
    const applied = report.applied.length ? `applied ${report.applied.join(', ')}` : 'already up to date';
    process.stdout.write(`unpod migrate: ${store.db.kind} at ${store.db.location}: ${applied} (${report.total} migrations in total)\n`);
  } finally {
    await store.close();
  }
}
