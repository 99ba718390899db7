// The live stream: one WebSocket to `/ws`, reconnected with exponential backoff and jitter
// whenever it drops (server restart, network blip, or the hub dropping a lagging client).

import type { LiveMessage } from "./types";

export type LiveState = "connecting" | "open" | "reconnecting" | "stopped";

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;

export interface LiveOptions {
  url: () => string;
  onMessage: (message: LiveMessage) => void;
  onState: (state: LiveState, attempt: number) => void;
  /** Called on each reconnect after a drop, so the caller can fill what it missed. */
  onReconnected?: () => void;
}

/** A WebSocket that keeps itself connected until `stop()`. */
export class LiveConnection {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private everOpened = false;
  private stopped = false;

  constructor(private readonly options: LiveOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, "page closed");
    }
    this.options.onState("stopped", 0);
  }

  private connect(): void {
    this.options.onState(this.failures ? "reconnecting" : "connecting", this.failures);
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url());
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const again = this.everOpened;
      this.failures = 0;
      this.everOpened = true;
      this.options.onState("open", 0);
      if (again) this.options.onReconnected?.();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== "string") return;
      try {
        this.options.onMessage(JSON.parse(event.data) as LiveMessage);
      } catch {
        // A malformed message is skipped; the stream goes on.
      }
    };
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      if (!this.stopped) this.retry();
    };
  }

  private retry(): void {
    this.failures += 1;
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (this.failures - 1));
    // Jitter spreads the reconnects of many tabs after a server restart.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.options.onState("reconnecting", this.failures);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }
}
