// Hand-written types for the npm entry of wasm-tracker (dist/index.js in browsers, dist/node.js in
// Node, where createTracker returns a tracker whose calls do nothing). The snippet's globals are
// in global.d.ts (`wasm-tracker/global`).

/** The Tracardi tracker configuration (the `tracker` key of the page's `options` object). */
export interface TrackerConfig {
  url: {
    /** Tracardi API base; events are POSTed to `<api>/track`. */
    api: string;
    /** Where liliput.min.js is loaded from (used by the loader snippet only). */
    script?: string | null;
  };
  /** The event source id (REST bridge); must not start with `@`. */
  source: { id: string };
  /** Static profile id sent on every request (Tracardi 0.8.1+). Use a random UUID4. */
  profile?: { id: string };
  /** Parts of the payload context; `false` leaves that part out. */
  context?: {
    browser?: boolean;
    screen?: boolean;
    page?: boolean;
    utm?: boolean;
    tracardiPass?: boolean;
    /** `true`: each event's context carries the page's navigation timing. Off by default. */
    performance?: boolean;
    /**
     * The payload `context.location`: an object, or a function returning one (or a Promise of
     * one), called once at start. Never a geolocation service: `true` only reuses the `__tr_geo`
     * cookie Tracardi's tracker left.
     */
    location?: Record<string, unknown> | (() => Record<string, unknown> | Promise<Record<string, unknown>>) | boolean;
    /** `false`: no WebGL probe for `context.device.gpu`. */
    gpu?: boolean;
    [key: string]: unknown;
  };
  /** Each answer of `url` (fetched once, cached in localStorage[storage]) is sent as context[key]. */
  external?: { url: string; method?: string; body?: unknown; storage: string; key: string }[];
  auto?: {
    /** `[type, properties]` pairs tracked with the page's first batch. */
    events?: [string, Record<string, unknown>?][];
    /** Events sent at once from `[data-tracardi-tag="<tag>"]` elements. */
    triggers?: {
      tag: string;
      trigger: 'onVisible' | 'onTextSelect' | 'onMouseOver';
      data: { event: string; properties?: Record<string, unknown>; options?: TrackOptions };
    }[];
  };
  settings?: {
    respectDoNotTrack?: boolean;
    /**
     * The visitor's consent when the page starts (default `"granted"`). `"pending"`: every call is
     * held in memory; nothing is sent or written (no request, cookie, storage key, lock or tab
     * message) until `tracker.consent()` says. A page left while pending loses what it held.
     */
    consent?: ConsentState;
    /** What a denial does: `"drop"` (default) drops every event; `"anonymous"` sends them profile-less. */
    consentDenied?: 'drop' | 'anonymous';
    /** `navigator.globalPrivacyControl === true` acts as a denial. */
    respectGlobalPrivacyControl?: boolean;
    /** `"beacon"` only for collectors that accept a cross-origin JSON beacon. */
    transport?: 'fetch' | 'beacon';
    /** `false` silences the `[Tracker] Event track` line for events queued after load. */
    logDeferred?: boolean;
    /** `true`: console.debug of every /track request body and every answer (as Tracardi's tracker). */
    debug?: boolean;
    /**
     * `"history"`: a `page-view` for each client-side navigation (pushState, replaceState to a new
     * URL, popstate, hashchange), one per URL change. Off by default.
     */
    pageViews?: 'history' | false;
    /** Links to these domains get `__tr_pid`/`__tr_src` when clicked (cross-domain profile). */
    trackExternalLinks?: string[];
    /** Origins besides the API's allowed to serve `ux` widget scripts and iframes. */
    uxOrigins?: string[];
    /** Your CSP nonce: lets Tracardi's "Javascript tag" widget (inline script) run. */
    uxNonce?: string;
    /**
     * Query parameters taken out of every URL the tracker sends (page URL and hash, referrer,
     * utm values), before anything leaves the page; names match case-insensitively, also in the
     * fragment (`#access_token=...`, `#/route?token=...`).
     */
    redact?: { params: string[] };
    /**
     * Called for each tracked event where it enters the tracker (a call made while the tracker
     * loads: when it starts; a call kept by an earlier page: when it is replayed), with a copy of
     * the call. Return the event (edited or not) to track it, `null` to drop it (a dropped fire
     * event's promise resolves with status 0). A hook that throws or returns anything else leaves
     * the event as tracked, with one console error per page. `track()` called inside the hook is
     * taken as called. A call the tracker could not take and that a later page replays is seen
     * again there: return your own output unchanged.
     */
    beforeSend?: (event: TrackedEvent) => TrackedEvent | null;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface TrackerOptions {
  tracker: TrackerConfig;
  /** Set by Tracardi's own loader (`{gpu}`); sent as the payload `context.device`. */
  context?: Record<string, unknown>;
  listeners?: {
    onInit?: (p: { session: { id: string } | null; tracker: unknown; helpers: unknown }) => void;
    /** Called instead of onInit when the browser has cookies off. */
    onCookiesDisabled?: (p: { tracker: unknown; helpers: unknown }) => void;
  };
  [key: string]: unknown;
}

/** An event as `settings.beforeSend` sees and returns it: the arguments of its `track()` call. */
export interface TrackedEvent {
  /** A non-empty string. */
  type: string;
  properties?: Record<string, unknown> | null;
  options?: TrackOptions | null;
  /** Other keys are ignored. */
  [key: string]: unknown;
}

/** Per-event options. Unknown keys are passed through as the event's `options`. */
export interface TrackOptions {
  /** Send this event at once, alone. */
  fire?: boolean;
  /** Send this event at once on the unload-safe transport (keepalive fetch). */
  asBeacon?: boolean;
  /** Merged into this event's context. */
  context?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * What a fire event's promise resolves with: the answer to the request that carried the event.
 * Never rejected. `status` 0 (`ok` false, `data` null) when the event got no answer: rejected,
 * queued for a later request (backoff, offline), no network, no core, or sent as a beacon.
 * A refusal or server error resolves with its status and body (the core still retries what is
 * retryable; the promise reports the first answer).
 */
export interface TrackAnswer {
  status: number;
  /** `status` is 2xx. */
  ok: boolean;
  /** The parsed JSON body (Tracardi's `{profile, session, ux, response, ...}`), or null. */
  data: Record<string, unknown> | null;
}

/** Per-event options of a call that sends at once and returns its answer. */
export type FireOptions = TrackOptions & { fire: true };

/** The parsed JSON body of the first /track response, or null when there was none. */
export type ResponseContext = Record<string, unknown> | null;

export interface TrackerHooks {
  /** Called once, after the first batch was answered (Tracardi's onTracardiReady). */
  onReady?: (context: ResponseContext) => void;
  /** The payload-level `options` (Tracardi's `window.response.context`), read before each send. */
  getPayloadOptions?: () => Record<string, unknown> | undefined;
  /** Override where the .wasm is fetched from (default: next to dist/index.js). */
  wasmUrl?: string;
  /** Override how the extras chunk (UX widgets, auto.triggers, GPU probe) is loaded. */
  loadExtras?: () => Promise<unknown>;
}

/** One step of an event's fate, as the core recorded it (`at`: wall-clock ms). */
export type EventFateStep =
  | { step: 'queued' | 'held'; at: number; type: string; fire?: 1 }
  | { step: 'restored' | 'beacon' | 'handed'; at: number }
  | { step: 'sent'; at: number; request: number; transport: 'fetch' | 'keepalive' | 'beacon' }
  | { step: 'acked'; at: number; status: number }
  /** `status` 0: no answer; `wait`: ms until the next try may go; `attempts`: budget units used. */
  | { step: 'retry'; at: number; status: number; wait: number; attempts?: number }
  /**
   * `reason`: queue_full, expired, max_attempts, rejected_<status>, too_large, consent,
   * superseded or handover_bound; `detail`: the server's reason for a refusal.
   */
  | { step: 'dropped'; at: number; reason: string; detail?: string };

/** A recent event's fate: every step the core took with it, the last one its current fate. */
export interface EventFate {
  id: string;
  /** Its type, while its first step is still in the (bounded) record. */
  type?: string;
  fate: EventFateStep['step'];
  steps: EventFateStep[];
}

export interface TrackerStats {
  queued: number;
  inflight: number;
  accepted: number;
  acked: number;
  requests: number;
  dropped: Record<string, number>;
  /** Events handed over to the leader tab (this tab is a follower). */
  transferred?: number;
  /** This tab owns delivery and the one persisted queue of its source. */
  leader?: boolean;
  /** The visitor's consent as the core holds it: 0 granted, 1 pending, 2 denied. */
  consent?: 0 | 1 | 2;
  /** Calls the loader stub persisted on a previous page's bounce and this page replayed / had to drop. */
  stubReplayed?: number;
  stubDropped?: number;
}

/** In Node and DOM-less workers every method does nothing, `ready` resolves false. */
export interface Tracker {
  /**
   * With `{fire: true}`: sends the event at once and returns a Promise of its answer (never
   * rejected). Never throws.
   */
  track(type: string, properties: Record<string, unknown> | undefined, options: FireOptions): Promise<TrackAnswer>;
  /** Records an event. Returns at once and never throws; problems are logged to the console. */
  track(type: string, properties?: Record<string, unknown>, options?: TrackOptions): void;
  /** Sends everything queued now. */
  flush(): void;
  /**
   * The visitor's consent changed (a consent manager's event): `"granted"` sends what was held
   * and starts storing; `"denied"` drops it (or sends it profile-less); `"pending"` holds again.
   */
  consent(state: ConsentState): void;
  /**
   * A logout on a shared device: the stored session, profile and device ids and Tracardi's keys
   * are forgotten; the next event starts a new anonymous visitor. Events already accepted keep
   * the identity they were accepted under. Other open tabs of the site keep theirs until reloaded.
   */
  reset(): void;
  /** true once the wasm core runs; false when it could not load (calls are then only buffered). */
  readonly ready: Promise<boolean>;
  /** Counters from the core, or null before it is ready. */
  stats(): TrackerStats | null;
  /**
   * The recent events' fates (bounded: the last ~16 KB of steps), oldest first, or null before
   * the core runs. Events another tab sends show as far as this tab knows ("handed").
   */
  inspect(): EventFate[] | null;
  /** Persists the queue, removes page listeners and frees the core. */
  destroy(): void;
}

export type ConsentState = 'granted' | 'pending' | 'denied';

export function createTracker(options: TrackerOptions, hooks?: TrackerHooks): Tracker;
