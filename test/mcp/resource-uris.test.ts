import assert from "node:assert/strict";
import { test } from "node:test";
import {
  distinctUri,
  indexResources,
  mapResultUris,
  plainHolder,
  RETURNED_URI_MAX_LENGTH,
  ReturnedUris,
  splitDistinctUri,
} from "../../src/mcp/resourceUris.js";

test("the distinct form names its server and keeps the server's URI whole, query and fragment included", () => {
  for (const uri of ["file:///a/b.md", "https://x.example/y?q=1#f", "urn:isbn:0451450523", "memo://item/{id}"]) {
    const distinct = distinctUri("docs_2", uri);
    assert.equal(distinct, `mcpgw://docs_2/${uri}`);
    assert.deepEqual(splitDistinctUri(distinct), { server: "docs_2", uri });
  }
  assert.equal(splitDistinctUri("mcpgw:///x"), undefined, "no server");
  assert.equal(splitDistinctUri("file:///x"), undefined);
});

test("the first server in config order holds a URI or template; later ones clash, and templates claim what they match", () => {
  const index = indexResources([
    { server: "a", resources: [{ uri: "memo://shared" }], resource_templates: [{ uriTemplate: "memo://item/{id}" }] },
    {
      server: "b",
      resources: [{ uri: "memo://shared" }, { uri: "memo://b" }],
      resource_templates: [{ uriTemplate: "memo://item/{id}" }, { uriTemplate: "memo://b/{+path}" }],
    },
  ]);
  assert.deepEqual(
    index.clashes.map(({ kind, server, exposed, clashesWith }) => [kind, server, exposed, clashesWith]),
    [
      ["resource", "b", "mcpgw://b/memo://shared", "a"],
      ["resource template", "b", "mcpgw://b/memo://item/{id}", "a"],
    ],
  );
  assert.equal(plainHolder(index, "memo://shared"), "a");
  assert.equal(plainHolder(index, "memo://item/7"), "a");
  assert.equal(plainHolder(index, "memo://item/7/x"), undefined, "{id} is one segment");
  assert.equal(plainHolder(index, "memo://b/deep/path"), "b", "{+path} is anything");
  assert.equal(plainHolder(index, "memo://other"), undefined);
});

test("URIs in results are mapped where links, embedded resources and read contents carry them, and nothing else is copied", () => {
  const upper = (uri: string) => uri.toUpperCase();
  const text = { type: "text", text: "memo://not-a-link" };
  const call = {
    content: [
      text,
      { type: "resource_link", uri: "memo://l", name: "l" },
      { type: "resource", resource: { uri: "memo://e", text: "" } },
    ],
    structuredContent: { uri: "memo://s" },
  };
  const mapped = mapResultUris("tools/call", call, upper) as typeof call;
  assert.deepEqual(mapped.content, [
    text,
    { type: "resource_link", uri: "MEMO://L", name: "l" },
    { type: "resource", resource: { uri: "MEMO://E", text: "" } },
  ]);
  assert.equal(mapped.content[0], text, "untouched items are the same objects");
  assert.equal(mapped.structuredContent, call.structuredContent);
  const prompt = {
    messages: [{ role: "user", content: { type: "resource", resource: { uri: "memo://p", text: "" } } }],
  };
  assert.equal((mapResultUris("prompts/get", prompt, upper) as any).messages[0].content.resource.uri, "MEMO://P");
  assert.deepEqual(mapResultUris("resources/read", { contents: [{ uri: "memo://r", text: "" }] }, upper), {
    contents: [{ uri: "MEMO://R", text: "" }],
  });
  const unchanged = { content: [text] };
  assert.equal(mapResultUris("tools/call", unchanged, upper), unchanged, "no URI, no copy");
});

test("a session's memory of returned URIs is bounded: the least recently used goes first, and long URIs are not kept", () => {
  const returned = new ReturnedUris(3);
  for (const uri of ["u1", "u2", "u3"]) returned.remember(uri, "a");
  assert.equal(returned.serverOf("u1"), "a", "u1 is now the most recently used");
  returned.remember("u4", "b");
  assert.equal(returned.serverOf("u2"), undefined, "the least recently used is forgotten");
  assert.deepEqual(
    ["u1", "u3", "u4"].map((uri) => returned.serverOf(uri)),
    ["a", "a", "b"],
  );
  returned.remember(`memo://${"x".repeat(RETURNED_URI_MAX_LENGTH)}`, "a");
  assert.equal(returned.serverOf(`memo://${"x".repeat(RETURNED_URI_MAX_LENGTH)}`), undefined);
});
