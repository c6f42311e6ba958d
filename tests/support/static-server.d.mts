export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}
/** Serves `root` on 127.0.0.1:`port` (0 = any free port) with an index.html fallback. */
export declare function serveStatic(root: string, port?: number): Promise<StaticServer>;
