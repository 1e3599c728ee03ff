// Runs in the AudioWorkletGlobalScope: forwards each 128-sample block of the microphone to the
// main thread, which downsamples, frames and sends it. The DOM lib has no types for this scope.
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

class CaptureProcessor extends AudioWorkletProcessor {
  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel && channel.length) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor('unpod-capture', CaptureProcessor);
