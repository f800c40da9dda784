declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** dynalite's options (see its README); `path` persists to LevelDB, memory otherwise. */
  type DynaliteOptions = {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  };
  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}
