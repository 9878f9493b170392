import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Logger } from "open-mcp-gateway";

/**
 * Watches files through their folders, filtering events by name: an editor that saves by writing
 * a new file and renaming it over the old one replaces the inode a watch on the file would hold.
 * Names starting with `..` pass too: Kubernetes ConfigMap and Secret volumes swap a `..data`
 * symlink, and the files are links through it. A burst of events is one `changed` call, made once
 * no event came for `debounceMs`.
 */
export class FolderWatch {
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #names = new Map<string, Set<string>>();
  readonly #pending = new Set<string>();
  #timer?: NodeJS.Timeout;

  constructor(
    private readonly debounceMs: number,
    private readonly logger: Logger,
    private readonly changed: (files: readonly string[]) => void,
  ) {}

  /** Watches exactly `files` from now on (folders no longer needed are let go). */
  watch(files: readonly string[]): void {
    this.#names.clear();
    for (const file of files) {
      const dir = path.dirname(file);
      const names = this.#names.get(dir) ?? new Set<string>();
      names.add(path.basename(file));
      this.#names.set(dir, names);
    }
    for (const [dir, watcher] of this.#watchers)
      if (!this.#names.has(dir)) {
        watcher.close();
        this.#watchers.delete(dir);
      }
    for (const dir of this.#names.keys()) if (!this.#watchers.has(dir)) this.#open(dir);
  }

  close(): void {
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #open(dir: string): void {
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, filename) => this.#event(dir, filename?.toString()));
    } catch (error) {
      this.logger.error(`Cannot watch ${dir}: ${(error as Error).message}; use SIGHUP or POST /admin/reload`);
      return;
    }
    // Watching alone does not keep the gateway running.
    watcher.unref();
    watcher.on("error", (error) => {
      this.logger.error(`Watching ${dir} failed: ${error.message}; use SIGHUP or POST /admin/reload`);
      watcher.close();
      this.#watchers.delete(dir);
    });
    this.#watchers.set(dir, watcher);
  }

  #event(dir: string, filename: string | undefined): void {
    const names = this.#names.get(dir);
    if (!names || (filename !== undefined && !names.has(filename) && !filename.startsWith(".."))) return;
    if (this.#pending.size === 0)
      this.logger.info(`${filename ?? dir} changed; reloading in ${this.debounceMs} ms unless more changes come`);
    this.#pending.add(filename === undefined ? dir : path.join(dir, filename));
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      const files = [...this.#pending];
      this.#pending.clear();
      this.changed(files);
    }, this.debounceMs);
  }
}
