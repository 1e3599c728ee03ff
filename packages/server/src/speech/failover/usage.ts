/** Usage of one provider during a call. */
export interface ProviderUsage {
  kind: 'stt' | 'tts';
  provider: string;
  /** STT: caller audio sent to the provider (replays after a failover included); TTS: audio it produced. */
  audio_seconds: number;
  /** TTS: characters sent to the provider (the unit vendors bill; a retried sentence counts again). STT: 0. */
  characters: number;
  /** Requests: STT streams opened, TTS sentences asked for. */
  requests: number;
}

/** Accumulates a call's usage per capability and provider. */
export class UsageMeter {
  private readonly rows = new Map<string, ProviderUsage>();

  /** Caller audio sent to an STT provider. */
  sttAudio(provider: string, seconds: number): void {
    this.row('stt', provider).audio_seconds += seconds;
  }

  sttStream(provider: string): void {
    this.row('stt', provider).requests++;
  }

  /** A sentence asked of a TTS provider. */
  ttsRequest(provider: string, characters: number): void {
    const row = this.row('tts', provider);
    row.characters += characters;
    row.requests++;
  }

  /** Audio a TTS provider produced. */
  ttsAudio(provider: string, seconds: number): void {
    this.row('tts', provider).audio_seconds += seconds;
  }

  /** Every provider used so far, STT first, audio rounded to milliseconds. */
  snapshot(): ProviderUsage[] {
    return [...this.rows.values()]
      .map((r) => ({ ...r, audio_seconds: Math.round(r.audio_seconds * 1000) / 1000 }))
      .sort((a, b) => (a.kind === b.kind ? a.provider.localeCompare(b.provider) : a.kind === 'stt' ? -1 : 1));
  }

  private row(kind: 'stt' | 'tts', provider: string): ProviderUsage {
    const key = `${kind}:${provider}`;
    let row = this.rows.get(key);
    if (row === undefined) {
      row = { kind, provider, audio_seconds: 0, characters: 0, requests: 0 };
      this.rows.set(key, row);
    }
    return row;
  }
}
