// Server-sent events read off a fetch Response, for tests that check the wire (event ids, retry, data).

export interface SseEvent {
  readonly id?: string;
  readonly retry?: number;
  readonly data: string;
}

/** The events of an SSE response, as they arrive (keep-alive comments left out). */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string[]> = {};
      for (const line of block.split("\n")) {
        const match = /^([^:]+)(?:: ?(.*))?$/.exec(line);
        if (match) (fields[match[1]!] ??= []).push(match[2] ?? "");
      }
      if (!fields.data && !fields.id) continue;
      yield {
        ...(fields.id && { id: fields.id[0] }),
        ...(fields.retry && { retry: Number(fields.retry[0]) }),
        data: (fields.data ?? []).join("\n"),
      };
    }
  }
}

/** A POST's JSON-RPC answer: its JSON body, or the last data line of an SSE body (progress comes first); `{}` when empty. */
export async function answerOf(response: Response): Promise<any> {
  const text = await response.text();
  const data = response.headers.get("content-type")?.includes("text/event-stream")
    ? (text
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .at(-1)
        ?.slice(5) ?? "")
    : text;
  return data ? JSON.parse(data) : {};
}
