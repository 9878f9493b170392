import type { EventId, EventStore, StreamId } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { StreamEvent } from "open-mcp-gateway";

/** Streams ended without an answer (their request was cancelled) remembered per session, at most. */
const ENDED_STREAMS_KEPT = 1000;

/** The SDK's name for a session's standalone GET stream (every other stream carries one POST's request). */
const GET_STREAM = "_GET_stream";

/** What an event costs besides its text (its Map entry and record), roughly; it keeps tiny events from being free. */
const EVENT_OVERHEAD = 64;

interface StoredEvent {
  readonly seq: number;
  readonly stream: StreamId;
  /** The message as it went out; none for a priming event, which only marks a position in its stream. */
  readonly json: string | undefined;
  readonly size: number;
}

/**
 * The events one Streamable HTTP session sent, kept so that a client that lost a stream can resume it
 * with `Last-Event-ID`. Bounded: past `maxBytes` (JSON text plus a small overhead per event) the
 * oldest events are dropped, whichever stream they belong to; the newest is always kept, so a result
 * larger than the bound can still be resumed until the next event. Event ids are `<seq>.<streamId>`,
 * so a resume finds its stream even when the event it names was dropped (it then gets what is left).
 *
 * No `getStreamIdForEventId`, on purpose: with it the SDK answers 409 to a resume while the stream's
 * old connection is still registered, which lasts until the server notices that connection died (a
 * client that changed networks may wait long); without it the resume takes the stream over.
 */
export class SessionEventStore implements EventStore {
  /** Oldest first: a Map iterates in insertion order and deletes its first entry cheaply. */
  readonly #events = new Map<EventId, StoredEvent>();
  /** How many events each stream still has here: a stream with none cannot be resumed. */
  readonly #perStream = new Map<StreamId, number>();
  /** The request each POST stream carries, until it is answered or cancelled (one request per POST). */
  readonly #requests = new Map<StreamId, RequestId>();
  /** Streams that ended without an answer: a resume of one has nothing to wait for. */
  readonly #ended = new Set<StreamId>();
  #seq = 0;
  #bytes = 0;
  /** Told of every event as it is stored, before the SDK sends it (cluster mode shares them with other replicas). */
  onStored?: (event: StreamEvent) => void;
  /**
   * The request a POST stream carries, as the SDK's transport registered it before storing the
   * stream's priming event: how the store learns which stream carries which request.
   */
  requestOn?: (streamId: StreamId) => RequestId | undefined;

  constructor(private readonly maxBytes: number) {}

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    // The SDK stores its priming event as `{}`: a position in the stream, nothing to send again.
    const json = Object.keys(message).length === 0 ? undefined : JSON.stringify(message);
    const posted = json === undefined ? this.requestOn?.(streamId) : undefined;
    if (posted !== undefined) this.#requests.set(streamId, posted);
    if (isResponse(message)) this.#requests.delete(streamId);
    return this.#store(streamId, json);
  }

  /** The priming event of a stream that carries `request`, stored at once (a lean POST turning into a stream). */
  prime(streamId: StreamId, request: RequestId): EventId {
    this.#requests.set(streamId, request);
    return this.#store(streamId, undefined);
  }

  #store(streamId: StreamId, json: string | undefined): EventId {
    const seq = ++this.#seq;
    const id = `${seq}.${streamId}`;
    const size = EVENT_OVERHEAD + id.length + (json?.length ?? 0);
    this.#events.set(id, { seq, stream: streamId, json, size });
    this.#perStream.set(streamId, (this.#perStream.get(streamId) ?? 0) + 1);
    this.#bytes += size;
    while (this.#bytes > this.maxBytes && this.#events.size > 1) this.#dropOldest();
    this.onStored?.(json === undefined ? { id } : { id, json });
    return id;
  }

  /**
   * Takes over the events another replica's store sent for this session (its owner is gone), so
   * their streams resume here; later events are numbered after them. A POST stream whose answer is
   * not among them gets none (its call died with the owner): a resume of it ends at once.
   */
  load(events: readonly StreamEvent[]): void {
    const answered = new Set<StreamId>();
    const streams = new Set<StreamId>();
    const ordered = events
      .map((event) => ({ ...event, cursor: parseEventId(event.id, Number.MAX_SAFE_INTEGER) }))
      .filter((event) => event.cursor !== undefined)
      .sort((a, b) => a.cursor!.seq - b.cursor!.seq);
    for (const { id, json, cursor } of ordered) {
      if (!cursor || this.#events.has(id)) continue;
      const size = EVENT_OVERHEAD + id.length + (json?.length ?? 0);
      this.#events.set(id, { seq: cursor.seq, stream: cursor.stream, json, size });
      this.#perStream.set(cursor.stream, (this.#perStream.get(cursor.stream) ?? 0) + 1);
      this.#bytes += size;
      this.#seq = Math.max(this.#seq, cursor.seq);
      streams.add(cursor.stream);
      if (json !== undefined && isResponse(JSON.parse(json))) answered.add(cursor.stream);
    }
    while (this.#bytes > this.maxBytes && this.#events.size > 1) this.#dropOldest();
    for (const stream of streams) if (stream !== GET_STREAM && !answered.has(stream)) this.end(stream);
  }

  /** Whether `eventId` names a stream of this session that still has events here. */
  canResume(eventId: string): boolean {
    const cursor = parseEventId(eventId, this.#seq);
    return cursor !== undefined && this.#perStream.has(cursor.stream);
  }

  /** The POST stream that carries `request`, while it is unanswered, if the client can resume it. */
  streamOf(request: RequestId): StreamId | undefined {
    for (const [stream, carried] of this.#requests) if (carried === request) return stream;
    return undefined;
  }

  /** The unanswered request the stream that `eventId` belongs to carries. */
  requestOf(eventId: string): { stream: StreamId; request: RequestId } | undefined {
    const cursor = parseEventId(eventId, this.#seq);
    const request = cursor && this.#requests.get(cursor.stream);
    return request === undefined ? undefined : { stream: cursor!.stream, request };
  }

  /** Whether the stream `eventId` belongs to ended without an answer. */
  endedWithoutAnswer(eventId: string): boolean {
    const cursor = parseEventId(eventId, this.#seq);
    return cursor !== undefined && this.#ended.has(cursor.stream);
  }

  /** The stream's request was cancelled: it gets no answer, so a resume of it gets nothing. */
  end(stream: StreamId): void {
    this.#requests.delete(stream);
    this.#ended.add(stream);
    if (this.#ended.size > ENDED_STREAMS_KEPT) this.#ended.delete(this.#ended.values().next().value!);
  }

  /** Sends the stream's events after `lastEventId` that are still here, oldest first. */
  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> },
  ): Promise<StreamId> {
    const cursor = parseEventId(lastEventId, this.#seq);
    if (!cursor) throw new Error(`Last-Event-ID '${lastEventId}' was not issued by this session`);
    for (const [id, event] of this.#events) {
      if (event.stream === cursor.stream && event.seq > cursor.seq && event.json !== undefined)
        await send(id, JSON.parse(event.json) as JSONRPCMessage);
    }
    return cursor.stream;
  }

  /** Drops every event (the session ended); an SSE response still open may hold the store a while longer. */
  clear(): void {
    this.#events.clear();
    this.#perStream.clear();
    this.#requests.clear();
    this.#ended.clear();
    this.#bytes = 0;
  }

  #dropOldest(): void {
    const [id, event] = this.#events.entries().next().value!;
    this.#events.delete(id);
    this.#bytes -= event.size;
    const left = this.#perStream.get(event.stream)! - 1;
    if (left === 0) this.#perStream.delete(event.stream);
    else this.#perStream.set(event.stream, left);
  }
}

function isResponse(message: unknown): boolean {
  return (
    typeof message === "object" && message !== null && "id" in message && ("result" in message || "error" in message)
  );
}

function parseEventId(eventId: string, lastSeq: number): { seq: number; stream: StreamId } | undefined {
  const match = /^(\d{1,15})\.(.+)$/.exec(eventId);
  const seq = Number(match?.[1]);
  return match && seq >= 1 && seq <= lastSeq ? { seq, stream: match[2]! } : undefined;
}
