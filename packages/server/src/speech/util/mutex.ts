/**
 * Serialises async critical sections (engines whose C library keeps global state, such as flite
 * and espeak-ng, must never run two syntheses at once).
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(section: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await section();
    } finally {
      release();
    }
  }
}
