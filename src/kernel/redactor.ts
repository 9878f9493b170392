/** What a secret is replaced with, everywhere. */
export const REDACTED = "[redacted]";

/**
 * Shorter values are not treated as secrets: they are words and flags ("true", "info", "auto"
 * inside "autostart") whose masking would shred every log line, and a credential that short is
 * not protected by hiding it anyway. Values made only of digits (ports, counts, ids) are skipped
 * too: masking them would also mask pids and numbers that merely contain them.
 */
export const MIN_SECRET_LENGTH = 6;
const NUMBER = /^[0-9]+$/;

/** `scheme://user:password@`: the user info is masked in any text, known value or not. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'\\<>]+@/gi;

/**
 * The gateway's one redactor: it knows every secret value (what `${VAR}` took from the environment,
 * API keys, server `env` and `headers` values, URL credentials) and masks them, together with the
 * user info of any URL, in whatever the gateway shows or writes: log lines, errors, REST answers,
 * command output. Plugins reach it as `gatewayTokens.redactor`; loggers made by `createLogger`
 * apply it to every line.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern?: RegExp;

  /** Registers values to mask from now on (too short or numeric ones are ignored, see `MIN_SECRET_LENGTH`). */
  add(values: Iterable<string | undefined>): void {
    let added = false;
    for (const value of values) {
      if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH || NUMBER.test(value)) continue;
      for (const form of encodings(value)) {
        if (form.length < MIN_SECRET_LENGTH || this.#secrets.has(form)) continue;
        this.#secrets.add(form);
        added = true;
      }
    }
    if (added) this.#pattern = undefined;
  }

  /** `text` with every known secret (as written, JSON-escaped or URL-encoded) and every URL's user info masked. */
  text(text: string): string {
    let out = text.includes("://") ? text.replace(URL_USERINFO, `$1${REDACTED}@`) : text;
    if (this.#secrets.size === 0) return out;
    this.#pattern ??= new RegExp(
      [...this.#secrets]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join("|"),
      "g",
    );
    out = out.replace(this.#pattern, REDACTED);
    return out;
  }

  /** A copy of a JSON-like value (an answer body, an error's data) with every string, keys included, through `text`. */
  value<T>(value: T): T {
    return this.#value(value, 0) as T;
  }

  /** A URL for display: user info and query values masked, the rest through `text`. */
  url(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return this.text(raw);
    }
    if (url.username) url.username = REDACTED;
    if (url.password) url.password = REDACTED;
    for (const key of new Set(url.searchParams.keys())) url.searchParams.set(key, REDACTED);
    return this.text(url.href);
  }

  #value(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    // Answers are built by the gateway and never nested this deep; a cycle must not hang the answer.
    if (value === null || typeof value !== "object" || depth > 64) return value;
    if (Array.isArray(value)) return value.map((item) => this.#value(item, depth + 1));
    if (value instanceof Error) return this.text(value.message);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[this.text(key)] = this.#value(item, depth + 1);
    return out;
  }
}

/** The forms a value takes in text: as is, JSON-escaped (a log line), percent-encoded (a URL's user info, path or query). */
function encodings(value: string): Set<string> {
  const forms = new Set([value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)]);
  const url = new URL("http://host");
  url.password = value;
  forms.add(url.password);
  url.pathname = `/${value}`;
  forms.add(url.pathname.slice(1));
  url.search = `?${value}`;
  forms.add(url.search.slice(1));
  for (const form of [...forms]) forms.add(JSON.stringify(form).slice(1, -1));
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
