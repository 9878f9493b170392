/**
 * Cuts a byte stream into newline-terminated lines without ever holding more than `maxBytes` of
 * one line. A longer line is reported once through `onOverflow` (with its first `maxBytes`) and
 * the rest of it, up to the next newline, is dropped.
 */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (head: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.#discarding) this.#take(chunk.subarray(start, end));
      if (newline === -1) return;
      if (this.#discarding) this.#discarding = false;
      else this.#emit();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (!this.#discarding && this.#pendingBytes > 0) this.#emit();
  }

  #take(piece: Buffer): void {
    if (this.#pendingBytes + piece.length <= this.maxBytes) {
      this.#pending.push(piece);
      this.#pendingBytes += piece.length;
      return;
    }
    this.#pending.push(piece.subarray(0, this.maxBytes - this.#pendingBytes));
    const head = Buffer.concat(this.#pending).toString("utf8");
    this.#reset();
    this.#discarding = true;
    this.onOverflow(head);
  }

  #emit(): void {
    const line =
      this.#pending.length === 1 ? this.#pending[0]!.toString("utf8") : Buffer.concat(this.#pending).toString("utf8");
    this.#reset();
    this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
