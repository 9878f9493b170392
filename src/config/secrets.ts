/** Values shorter than this would mask ordinary words, and are not worth hiding from a log either. */
const MIN_SECRET_LENGTH = 6;

/** Returns a function that replaces every occurrence of the given values with `[redacted]`. */
export function secretMasker(values: readonly string[]): (text: string) => string {
  const secrets = values.filter((value) => value.length >= MIN_SECRET_LENGTH);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let masked = text;
    for (const secret of secrets) if (masked.includes(secret)) masked = masked.split(secret).join("[redacted]");
    return masked;
  };
}
