import { CallLogWriter } from './call-log-writer.js';
import { openDb, type Db, type DbOptions } from './db.js';
import { migrateToLatest, type MigrationReport } from './migrations/index.js';
import { ApiKeysRepo } from './repos/api-keys.js';
import { CallLogRepo } from './repos/call-log.js';
import { CallsRepo } from './repos/calls.js';
import { CredentialsRepo } from './repos/credentials.js';
import { SecretBox } from '../secrets/secret-box.js';
import { IdempotencyRepo } from './repos/idempotency.js';
import { UsageRepo } from './repos/usage.js';
import { NumbersRepo } from './repos/numbers.js';
import { PipesRepo } from './repos/pipes.js';
import { SessionTokensRepo } from './repos/session-tokens.js';
import { SpacesRepo } from './repos/spaces.js';
import { TrunksRepo } from './repos/trunks.js';
import { VoiceProfilesRepo } from './repos/voice-profiles.js';
import { seedVoiceProfiles } from './seed-voice-profiles.js';

/** Where the credentials' master key comes from: the key itself, or a key file in `dataDir`. */
interface SecretKeyOptions {
  secretKey?: Buffer | null | undefined;
  dataDir: string;
}

/** The control-plane store: one repository per resource over one database (SQLite or PostgreSQL). */
export class Store {
  readonly spaces: SpacesRepo;
  readonly apiKeys: ApiKeysRepo;
  readonly voiceProfiles: VoiceProfilesRepo;
  readonly pipes: PipesRepo;
  readonly trunks: TrunksRepo;
  readonly numbers: NumbersRepo;
  readonly calls: CallsRepo;
  readonly sessionTokens: SessionTokensRepo;
  readonly idempotency: IdempotencyRepo;
  /** Vendor credentials, encrypted with the master key (loaded or generated on first use). */
  readonly credentials: CredentialsRepo;
  /** Speech usage analytics. */
  readonly usage: UsageRepo;
  /** Batched writes of live calls' transcripts, turn metrics and events. */
  readonly callLog: CallLogWriter;

  private constructor(
    readonly db: Db,
    secrets: SecretKeyOptions,
  ) {
    const k = db.kysely;
    let box: Promise<SecretBox> | undefined;
    this.credentials = new CredentialsRepo(k, () => {
      if (box === undefined) {
        box = SecretBox.load({ key: secrets.secretKey ?? null, dataDir: secrets.dataDir });
        // A failed load (unreadable key file) is retried on the next use rather than cached.
        box.catch(() => (box = undefined));
      }
      return box;
    });
    this.spaces = new SpacesRepo(k);
    this.apiKeys = new ApiKeysRepo(k);
    this.voiceProfiles = new VoiceProfilesRepo(k);
    this.pipes = new PipesRepo(k);
    this.trunks = new TrunksRepo(k);
    this.numbers = new NumbersRepo(k);
    this.calls = new CallsRepo(k);
    this.sessionTokens = new SessionTokensRepo(k);
    this.idempotency = new IdempotencyRepo(k);
    this.usage = new UsageRepo(k, db.kind);
    this.callLog = new CallLogWriter(new CallLogRepo(k, db.kind));
  }

  /** Open the database, optionally migrating and seeding the voice-profile catalog. */
  static async open(options: DbOptions & { migrate?: boolean; secretKey?: Buffer | null }): Promise<Store> {
    const store = new Store(await openDb(options), options);
    if (options.migrate) {
      try {
        await store.migrate();
      } catch (err) {
        await store.close();
        throw err;
      }
    }
    return store;
  }

  /** Apply pending migrations and refresh the global voice-profile catalog. Idempotent. */
  async migrate(): Promise<MigrationReport> {
    const report = await migrateToLatest(this.db.kysely, { schema: this.db.schema });
    await seedVoiceProfiles(this.voiceProfiles);
    return report;
  }

  /** Finish queued call-log writes, then close the database. */
  async close(): Promise<void> {
    await this.callLog.drain();
    await this.db.close();
  }
}
