import assert from "node:assert/strict";
import { test } from "node:test";
import { SessionKeys, type SessionClaims } from "../../plugins/cluster/SessionKeys.js";
import { OTHER_SECRET, SECRET } from "./replicas.js";

const claims: SessionClaims = { s: "sid", o: "epoch", a: "http://10.0.0.7:4444", p: "principal", r: "m:", i: 1 };

test("a session token opens with its key ring only, and says nothing in clear", () => {
  const keys = new SessionKeys([SECRET]);
  const token = keys.seal(claims);
  assert.match(token, /^v1\.[\w-]{8}\.[\w-]+$/);
  assert.ok(!token.includes("10.0.0.7") && !token.includes("principal"));
  assert.deepEqual(keys.open(token), claims);
  assert.notEqual(keys.seal(claims), token, "a fresh nonce each time");
  assert.equal(new SessionKeys([OTHER_SECRET]).open(token), undefined, "another cluster's key");
});

test("a tampered token, a swapped key id, or garbage does not open", () => {
  const keys = new SessionKeys([SECRET, OTHER_SECRET]);
  const token = keys.seal(claims);
  const [version, kid, body] = token.split(".") as [string, string, string];
  const flipped = body.slice(0, 20) + (body[20] === "A" ? "B" : "A") + body.slice(21);
  assert.equal(keys.open(`${version}.${kid}.${flipped}`), undefined);
  const otherKid = new SessionKeys([OTHER_SECRET]).seal(claims).split(".")[1]!;
  assert.equal(keys.open(`${version}.${otherKid}.${body}`), undefined, "the key id is authenticated too");
  for (const garbage of ["", "v1", "v1..", `v2.${kid}.${body}`, `${token}.x`, crypto.randomUUID()])
    assert.equal(keys.open(garbage), undefined, garbage);
});

test("rotation: a token of the previous secret still opens; new tokens use the new secret", () => {
  const old = new SessionKeys([SECRET]).seal(claims);
  const rotated = new SessionKeys([OTHER_SECRET, SECRET]);
  assert.deepEqual(rotated.open(old), claims);
  const fresh = rotated.seal(claims);
  assert.equal(new SessionKeys([SECRET]).open(fresh), undefined);
  assert.deepEqual(new SessionKeys([OTHER_SECRET]).open(fresh), claims);
});

test("a session tag is the token's clear prefix for load balancers, authenticated like the rest", () => {
  const keys = new SessionKeys([SECRET]);
  const token = keys.seal(claims, "r2");
  assert.match(token, /^r2\.v1\.[\w-]{8}\.[\w-]+$/);
  assert.deepEqual(keys.open(token), claims);
  assert.equal(keys.open(`r3${token.slice(2)}`), undefined, "an edited tag");
  assert.equal(keys.open(token.slice(3)), undefined, "the tag removed");
  assert.equal(keys.open(`x.${keys.seal(claims)}`), undefined, "a tag added");
  assert.equal(keys.open(`r/2${token.slice(2)}`), undefined, "not a tag");
});
