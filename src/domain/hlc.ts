/**
 * Hybrid logical clock. A stamp is a string that sorts lexicographically in
 * causal order: 13 hex digits of wall-clock ms, 4 hex of counter, then the
 * node (device) id, so ties between devices break by device id (DESIGN §6).
 */
export interface Hlc {
  wall: number;
  counter: number;
  node: string;
}

const WALL_HEX = 13;
const COUNTER_HEX = 4;
const MAX_COUNTER = 0xffff;

export function encodeHlc(h: Hlc): string {
  return h.wall.toString(16).padStart(WALL_HEX, '0') + h.counter.toString(16).padStart(COUNTER_HEX, '0') + h.node;
}

export function decodeHlc(s: string): Hlc {
  if (s.length <= WALL_HEX + COUNTER_HEX) throw new TypeError(`"hlc" malformed: ${s}`);
  const wall = parseInt(s.slice(0, WALL_HEX), 16);
  const counter = parseInt(s.slice(WALL_HEX, WALL_HEX + COUNTER_HEX), 16);
  if (!Number.isFinite(wall) || !Number.isFinite(counter)) throw new TypeError(`"hlc" malformed: ${s}`);
  return { wall, counter, node: s.slice(WALL_HEX + COUNTER_HEX) };
}

/** A clock for one node; `now` is injectable so tests control time. */
export class HlcClock {
  private last: Hlc;
  constructor(
    readonly node: string,
    private readonly now: () => number = Date.now,
  ) {
    this.last = { wall: 0, counter: 0, node };
  }

  /** Next stamp for a local event: never goes backwards, even if the wall clock does. */
  tick(): string {
    const wall = Math.max(this.now(), this.last.wall);
    const counter = wall === this.last.wall ? this.last.counter + 1 : 0;
    if (counter > MAX_COUNTER) throw new RangeError('HLC counter overflow');
    this.last = { wall, counter, node: this.node };
    return encodeHlc(this.last);
  }

  /** Advances past a stamp seen from another node (used when merging remote changes). */
  observe(remote: string): void {
    const r = decodeHlc(remote);
    const wall = Math.max(this.now(), this.last.wall, r.wall);
    let counter: number;
    if (wall === this.last.wall && wall === r.wall) counter = Math.max(this.last.counter, r.counter) + 1;
    else if (wall === this.last.wall) counter = this.last.counter + 1;
    else if (wall === r.wall) counter = r.counter + 1;
    else counter = 0;
    this.last = { wall, counter, node: this.node };
  }
}
