import { EnergyVad as MediaEnergyVad } from '@unpod/media';
import { VadAdapter } from '../../contracts/vad-adapter.js';
import type { VadAdapterOptions, VadCapabilities, VadEngineState } from '../../contracts/vad.js';

/** Options of {@link EnergyVadAdapter}. */
export interface EnergyVadAdapterOptions extends VadAdapterOptions {
  /** A frame is speech this many dB above the adaptive noise floor (default 12). */
  thresholdDb?: number | undefined;
  /** Frames quieter than this are never speech (default -55 dBFS). */
  minSpeechDbfs?: number | undefined;
  /** Frame length (default 20 ms). */
  frameMs?: number | undefined;
}

/**
 * Energy VAD from `@unpod/media` (RMS against an adaptive noise floor) behind the VAD contract.
 * Its own hangover is disabled so each frame is classified alone (probability 0 or 1) and the
 * base's hysteresis applies, the same as for Silero. A few µs per frame, but reliable only on
 * clean lines: use it as a cheap pre-gate or fallback.
 */
export class EnergyVadAdapter extends VadAdapter {
  readonly provider = 'energy';
  readonly capabilities: VadCapabilities = { nativeSampleRatesHz: [8000, 16_000, 24_000, 48_000] };

  constructor(private readonly energyOptions: EnergyVadAdapterOptions = {}) {
    super(energyOptions);
  }

  protected async openState(sampleRateHz: number): Promise<VadEngineState> {
    const vad = new MediaEnergyVad({
      sampleRateHz,
      thresholdDb: this.energyOptions.thresholdDb,
      minSpeechDbfs: this.energyOptions.minSpeechDbfs,
      minSpeechMs: 0,
      minSilenceMs: 0,
    });
    return {
      frameSamples: Math.round((sampleRateHz * (this.energyOptions.frameMs ?? 20)) / 1000),
      infer: (frame) => {
        vad.process(frame);
        return vad.isSpeech ? 1 : 0;
      },
      close: () => undefined,
    };
  }
}
