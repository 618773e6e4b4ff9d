/**
 * The frame path's middle step: a parsed combined-stream frame is routed by its stream name to
 * its symbol's state, after checking that the connection carries that stream and that the data is
 * a well-formed depth event of that symbol. Everything else is counted and logged (rate-limited),
 * never fatal.
 *
 * @module
 */
import { asDepthUpdate, FrameError } from "../binance/parse.ts";
import type { CombinedFrame, DepthUpdate } from "../binance/types.ts";
import type { Logger } from "../util/log.ts";

/** A connection as the router sees it. */
export interface RoutedFeed {
  /** Number for logs. */
  readonly id: number;
  /** Whether the connection subscribed `stream`. */
  has(stream: string): boolean;
}

/** A symbol as the router sees it. */
export interface RouteTarget<F> {
  /** Upper-case symbol the stream belongs to. */
  readonly symbol: string;
  /** Takes the symbol's event. */
  onEvent(feed: F, event: DepthUpdate, recv: number): void;
}

/**
 * A symbol's stream other than depth as the router sees it (a `StreamMerge`): it checks the data
 * itself and throws `FrameError` when it is not an event of that stream.
 */
export interface StreamTarget<F> {
  take(feed: F, data: unknown, recv: number): void;
}

/** Counters of the router. */
export interface RouterStats {
  /** Frames routed. */
  frames: number;
  /** Messages that were not frames, or frames that were not depth events of their stream. */
  malformed: number;
  /** Frames of streams no symbol of ours has. */
  unknownStreams: number;
  /** Frames of our symbols on a connection that did not subscribe them. */
  unsubscribed: number;
}

/** Routes frames by stream name. */
export class FrameRouter<F extends RoutedFeed, T extends RouteTarget<F>> {
  readonly stats: RouterStats = { frames: 0, malformed: 0, unknownStreams: 0, unsubscribed: 0 };
  #byStream = new Map<string, T>();
  #others = new Map<string, StreamTarget<F>>();
  #unknownLog: Logger;
  #malformedLog: Logger;

  /** Creates a router logging through rate-limited loggers. */
  constructor(logs: { unknown: Logger; malformed: Logger }) {
    this.#unknownLog = logs.unknown;
    this.#malformedLog = logs.malformed;
  }

  /** Frames of `stream` go to `target`. */
  add(stream: string, target: T): void {
    this.#byStream.set(stream, target);
  }

  /** Frames of `stream` (a trade, aggTrade or bookTicker stream) go to `target`. */
  addStream(stream: string, target: StreamTarget<F>): void {
    this.#others.set(stream, target);
  }

  /** One frame from `feed`, received at `recv`. */
  route(feed: F, frame: CombinedFrame, recv: number): void {
    this.stats.frames++;
    const target = this.#byStream.get(frame.stream);
    if (target === undefined) {
      const other = this.#others.get(frame.stream);
      if (other !== undefined && feed.has(frame.stream)) {
        try {
          other.take(feed, frame.data, recv);
        } catch (error) {
          if (!(error instanceof FrameError)) throw error;
          this.malformed(feed, error);
        }
        return;
      }
    }
    if (target === undefined || !feed.has(frame.stream)) {
      if (target === undefined && !this.#others.has(frame.stream)) this.stats.unknownStreams++;
      else this.stats.unsubscribed++;
      this.#unknownLog.warn(`Frame of a stream not subscribed on connection ${feed.id}`, {
        stream: frame.stream,
        connection: feed.id,
      });
      return;
    }
    let event: DepthUpdate;
    try {
      event = asDepthUpdate(frame.data);
      if (event.s !== target.symbol) {
        throw new FrameError(`Event of ${event.s} on stream ${frame.stream}`);
      }
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.malformed(feed, error);
      return;
    }
    target.onEvent(feed, event, recv);
  }

  /** Counts and logs a message that is not a usable frame. */
  malformed(feed: RoutedFeed, error: FrameError): void {
    this.stats.malformed++;
    this.#malformedLog.warn(`Malformed message on connection ${feed.id}: ${error.message}`, {
      connection: feed.id,
    });
  }
}
