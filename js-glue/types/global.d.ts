// Hand-written types for the globals of the snippet path (loader.min.js + liliput.min.js):
// window.tracker, window.onTracardiReady and window.response. Opt in with
//   /// <reference types="wasm-tracker/global" />   or   "types": ["wasm-tracker/global"].
// The npm entry (`import {createTracker} from 'wasm-tracker'`) writes none of these.
import type { TrackerOptions, TrackOptions, FireOptions, TrackAnswer, ResponseContext, TrackerStats, EventFate } from './index.js';

/** Tracardi's helpers, passed to onTracardiReady listeners and kept on window.tracker.helpers. */
export interface TrackerHelpers {
  /**
   * Sends the event at once, alone (`fire: true` is forced); resolves with the answer to that
   * request (`await helpers.track(...)` then `.data.profile.id`), never rejects.
   */
  track(type: string, properties?: Record<string, unknown>, options?: TrackOptions): Promise<TrackAnswer>;
  /** The visitor's consent changed: as `window.tracker.consent`. */
  consent(state: 'granted' | 'pending' | 'denied'): void;
  /** Adds a click listener to the element(s) or selector; returns a function removing it. */
  onClick(element: string | EventTarget | ArrayLike<EventTarget>, fn: (event: Event) => void): () => void;
  /** Adds listeners for the space- or comma-separated event names; returns a function removing them. */
  addListener(element: string | EventTarget | ArrayLike<EventTarget>, eventName: string,
    fn: (event: Event) => void): () => void;
}

/** What `window.onTracardiReady.bind(fn)` listeners receive, once, after the first response. */
export interface TracardiReadyParams {
  tracker: SnippetTracker;
  helpers: TrackerHelpers | null;
  /** The parsed body of the first /track response (profile, session, ux, ...), or null. */
  context: ResponseContext;
  /** The page's `options` object. */
  config: TrackerOptions;
}

/**
 * `window.tracker`. Before the tracker script runs it is the loader's queue, with only `track`;
 * the other members appear when the script has taken it over.
 */
export interface SnippetTracker {
  /**
   * With `{fire: true}`, once the tracker script runs: a Promise of the answer (never rejected).
   * Before that (the loader's queue) it returns undefined.
   */
  track(type: string, properties: Record<string, unknown> | undefined, options: FireOptions): Promise<TrackAnswer> | undefined;
  /** Records an event; returns at once and never throws. */
  track(type: string, properties?: Record<string, unknown>, options?: TrackOptions): void;
  /** Sends everything queued now. */
  flush?(): void;
  /** The visitor's consent changed (also on the loader's queue: its last word is kept). */
  consent?(state: 'granted' | 'pending' | 'denied'): void;
  /** A logout: the next event is a new anonymous visitor (once the tracker script runs). */
  reset?(): void;
  /** true once the wasm core runs; false when it could not load. */
  readonly ready?: Promise<boolean>;
  /** Counters from the core, or null before it is ready. */
  stats?(): TrackerStats | null;
  /** The recent events' fates, or null before the core runs (README "Why is my event not in Tracardi?"). */
  inspect?(): EventFate[] | null;
  helpers?: TrackerHelpers;
  plugins?: { tracardi: TrackerHelpers };
}

/** `window.onTracardiReady`: bind listeners here; never assign a function to it. */
export interface TracardiReadyHook {
  bind(fn: (params: TracardiReadyParams) => void): void;
  call(params: TracardiReadyParams): void;
}

/** `window.response`: `context` is sent as the payload's `options` (Tracardi's behaviour). */
export interface TracardiResponse {
  context: Record<string, unknown>;
  [key: string]: unknown;
}

declare global {
  // `var` so they are both bare globals and properties of `window`.
  var tracker: SnippetTracker;
  var onTracardiReady: TracardiReadyHook;
  var response: TracardiResponse;
}
