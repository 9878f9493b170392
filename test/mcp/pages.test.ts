import assert from "node:assert/strict";
import { test } from "node:test";
import { collectPages, MAX_LIST_ITEMS, pageOf } from "../../src/protocol/pages.js";

/** A backend's list in pages of `size`, the cursor being the next offset. */
function pagedList(total: number, size: number) {
  const asked: Array<string | undefined> = [];
  const fetchPage = async (cursor: string | undefined) => {
    asked.push(cursor);
    const offset = Number(cursor ?? 0);
    const items = Array.from({ length: Math.min(size, total - offset) }, (_, index) => ({
      name: `tool_${offset + index + 1}`,
    }));
    return offset + size < total ? { items, nextCursor: String(offset + size) } : { items };
  };
  return { fetchPage, asked };
}

test("every page is followed: 1,115 tools one per page", async () => {
  const { fetchPage, asked } = pagedList(1_115, 1);
  const { items, truncated } = await collectPages(fetchPage);
  assert.equal(items.length, 1_115);
  assert.equal(items.at(-1)!.name, "tool_1115");
  assert.equal(truncated, false);
  assert.equal(asked.length, 1_115);
});

test("a list past the bound is cut at MAX_LIST_ITEMS and says so", async () => {
  const { fetchPage } = pagedList(MAX_LIST_ITEMS + 25, 7);
  const { items, truncated } = await collectPages(fetchPage);
  assert.equal(items.length, MAX_LIST_ITEMS);
  assert.equal(truncated, true);
});

test("a backend that hands out cursors with empty pages forever is cut off too", async () => {
  let pages = 0;
  const { items, truncated } = await collectPages(async () => ({ items: [], nextCursor: String(++pages) }));
  assert.deepEqual(items, []);
  assert.equal(truncated, true);
  assert.equal(pages, MAX_LIST_ITEMS);
});

test("an empty cursor ends the list, and pageOf reads a result as sent", () => {
  assert.deepEqual(pageOf({ tools: [{ name: "a" }], nextCursor: "2" }, "tools"), {
    items: [{ name: "a" }],
    nextCursor: "2",
  });
  assert.deepEqual(pageOf({ tools: "not a list" }, "tools"), { items: [] });
});
