// dynalite ships no types; this covers the part of its API the embedded runtime uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** Folder of the LevelDB store; in memory when omitted. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    ssl?: boolean;
    verbose?: boolean;
    debug?: boolean;
  }

  /**
   * Returns an HTTP server that is not listening yet. Its `close(cb)` is patched to also close the
   * LevelDB store once in-flight operations finish; `cb` runs after the store is closed.
   */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
