/** A plain text table for terminals: a header line, then one line per row. */
export function renderTable<K extends string>(columns: readonly K[], rows: readonly Record<K, string>[]): string {
  if (rows.length === 0) return "(none)\n";
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return (
    [line(columns.map((c) => c.toUpperCase())), ...rows.map((row) => line(columns.map((column) => row[column])))].join(
      "\n",
    ) + "\n"
  );
}
