import { SipRequestError, type Registration, type SipUserAgent } from '@unpod/sip';
import type { Logger } from '../logger.js';
import type { TelephonyTrunk } from './trunk-matcher.js';

interface Entry {
  /** The trunk version this registration was made for (re-register after an edit). */
  updatedAt: string;
  registration: Registration;
  /** The first REGISTER (and the latest attempt after a failure). */
  ready: Promise<boolean>;
}

/**
 * Trunk registrations (RFC 3261 section 10) for trunks with `register: true`: the address of
 * record is `username@host`, credentials answer the registrar's digest challenge, and the binding
 * is refreshed before it expires. A trunk edited since it registered registers again.
 */
export class TrunkRegistrations {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ua: SipUserAgent,
    private readonly logger: Logger,
    private readonly timeoutMs = 5000,
  ) {}

  /** Registers the trunk when needed; resolves false when the registrar refused or did not answer. */
  ensure(trunk: TelephonyTrunk): Promise<boolean> {
    if (!trunk.register) return Promise.resolve(true);
    const existing = this.entries.get(trunk.id);
    if (existing && existing.updatedAt === trunk.updated_at) {
      if (existing.registration.isRegistered) return Promise.resolve(true);
      return existing.ready.then((ok) => ok || this.retry(trunk.id, existing));
    }
    existing?.registration.close();
    const host = trunk.host.includes(':') ? `[${trunk.host}]` : trunk.host;
    const registrar = `sip:${host}:${trunk.port}${trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`}`;
    const registration = this.ua.registration({
      registrar,
      aor: `sip:${trunk.username ?? 'unpod'}@${host}`,
      ...(trunk.username !== null && trunk.password !== null ? { credentials: { username: trunk.username, password: trunk.password } } : {}),
    });
    registration.on('failed', (status, reason) => this.logger.warn({ trunk_id: trunk.id, status, reason }, 'trunk registration failed'));
    registration.on('registered', (expiresS) => this.logger.info({ trunk_id: trunk.id, expires_s: expiresS }, 'trunk registered'));
    const entry: Entry = { updatedAt: trunk.updated_at, registration, ready: Promise.resolve(false) };
    entry.ready = this.attempt(trunk.id, registration);
    this.entries.set(trunk.id, entry);
    return entry.ready;
  }

  /** Registers every trunk that asks for it (at startup); failures are logged, not thrown. */
  async ensureAll(trunks: readonly TelephonyTrunk[]): Promise<void> {
    await Promise.all(trunks.filter((t) => t.register).map((t) => this.ensure(t)));
  }

  /** Stops refreshing; bindings lapse at the registrar (no un-REGISTER, shutdown must not wait on it). */
  close(): void {
    for (const entry of this.entries.values()) entry.registration.close();
    this.entries.clear();
  }

  private retry(trunkId: string, entry: Entry): Promise<boolean> {
    entry.ready = this.attempt(trunkId, entry.registration);
    return entry.ready;
  }

  private async attempt(trunkId: string, registration: Registration): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SipRequestError('timeout', 'REGISTER timed out')), this.timeoutMs);
        timer.unref();
      });
      const response = await Promise.race([registration.register(), timeout]);
      return response.status >= 200 && response.status < 300;
    } catch (err) {
      this.logger.warn({ trunk_id: trunkId, reason: err instanceof SipRequestError ? err.code : String(err) }, 'trunk registration failed');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
