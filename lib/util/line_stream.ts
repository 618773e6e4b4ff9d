/**
 * A small line splitter for Web streams (JSR's `@std/streams` is out of reach).
 *
 * @module
 */

/** Options of {@linkcode LineStream}. */
export interface LineStreamOptions {
  /** Longest line accepted, in UTF-16 code units; a longer one errors the stream. Default 64 MiB. */
  maxLineLength?: number;
}

/** Splits text into lines on `\n` (a trailing `\r` is removed); the last line may lack `\n`. */
export class LineStream extends TransformStream<string, string> {
  /** Creates a splitter with bounded line length. */
  constructor(options: LineStreamOptions = {}) {
    const max = options.maxLineLength ?? 64 * 1024 * 1024;
    let rest = "";
    const emit = (line: string, controller: TransformStreamDefaultController<string>) => {
      controller.enqueue(line.endsWith("\r") ? line.slice(0, -1) : line);
    };
    super({
      transform(chunk, controller) {
        let start = 0;
        let nl = chunk.indexOf("\n");
        while (nl >= 0) {
          emit(rest + chunk.slice(start, nl), controller);
          rest = "";
          start = nl + 1;
          nl = chunk.indexOf("\n", start);
        }
        rest += chunk.slice(start);
        if (rest.length > max) {
          controller.error(new RangeError(`Line is longer than ${max} characters`));
        }
      },
      flush(controller) {
        if (rest.length > 0) emit(rest, controller);
      },
    });
  }
}
