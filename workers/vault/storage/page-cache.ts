import type { PageBody } from './record-codec';

/** A decrypted page, valid while the manifest still lists `generation` for it. */
export interface CachedPage {
  generation: number;
  body: PageBody;
  /** Plaintext JSON size, what the cache budget counts. */
  bytes: number;
}

/**
 * Least-recently-used cache of decrypted pages, bounded by plaintext bytes,
 * so reads of hot pages skip IndexedDB and WebCrypto. Cleared on lock.
 */
export class PageCache {
  private map = new Map<string, CachedPage>();
  private total = 0;
  constructor(private readonly maxBytes: number) {}

  get(key: string, generation: number): CachedPage | undefined {
    const p = this.map.get(key);
    if (!p) return undefined;
    this.map.delete(key);
    if (p.generation !== generation) {
      this.total -= p.bytes;
      return undefined;
    }
    this.map.set(key, p);
    return p;
  }

  /** Whether `key` is cached at `generation`, without touching its recency. */
  has(key: string, generation: number): boolean {
    return this.map.get(key)?.generation === generation;
  }

  /**
   * Adds a page only if it fits without evicting anything. Scans use this:
   * one pass over a collection bigger than the budget would otherwise evict
   * every page, hot ones included, and leave nothing useful for the next pass.
   */
  offer(key: string, page: CachedPage): void {
    const old = this.map.get(key);
    if (this.total - (old?.bytes ?? 0) + page.bytes <= this.maxBytes) this.set(key, page);
  }

  set(key: string, page: CachedPage): void {
    const old = this.map.get(key);
    if (old) {
      this.total -= old.bytes;
      this.map.delete(key);
    }
    this.map.set(key, page);
    this.total += page.bytes;
    for (const [k, v] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= v.bytes;
    }
  }

  /** Drops pages whose key starts with `prefix` (a collection), or all. */
  clear(prefix?: string): void {
    if (prefix === undefined) {
      this.map.clear();
      this.total = 0;
      return;
    }
    for (const [k, v] of this.map)
      if (k.startsWith(prefix)) {
        this.map.delete(k);
        this.total -= v.bytes;
      }
  }
}
