/**
 * Bounded capture of a child process's output: reads a stream to its end (so the child never
 * blocks on a full pipe) and keeps only the first bytes, for logging.
 *
 * @module
 */

/** Reads a stream to its end, keeping the first `limit` bytes. */
export class OutputCapture {
  #kept: Uint8Array[] = [];
  #keptBytes = 0;
  #total = 0;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Resolves when the stream ended (or failed). */
  readonly done: Promise<void>;

  /** Starts reading `stream`. */
  constructor(stream: ReadableStream<Uint8Array>, readonly limit: number) {
    this.#reader = stream.getReader();
    this.done = this.#pump().catch(() => {});
  }

  async #pump(): Promise<void> {
    while (true) {
      const { done, value } = await this.#reader.read();
      if (done) return;
      this.#total += value.length;
      const room = this.limit - this.#keptBytes;
      if (room > 0) {
        const part = value.subarray(0, room);
        this.#kept.push(part);
        this.#keptBytes += part.length;
      }
    }
  }

  /** Stops reading (output still held open by a grandchild). */
  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }

  /** What was kept, as text, with a note of how many bytes were left out. */
  text(): string {
    const bytes = new Uint8Array(this.#keptBytes);
    let at = 0;
    for (const part of this.#kept) {
      bytes.set(part, at);
      at += part.length;
    }
    const text = new TextDecoder().decode(bytes).trimEnd();
    const more = this.#total - this.#keptBytes;
    return more > 0 ? `${text}… [${more} more bytes]` : text;
  }
}
