// The hot-reload plugin's watch: folders, filtered by name, debounced. Real files, real fs.watch.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { FolderWatch } from "../../plugins/hot-reload/FolderWatch.js";
import { tempDir } from "../helpers/files.js";
import { captureLogs } from "../helpers/logs.js";

interface Change {
  readonly files: readonly string[];
  /** The first watched file's text when the change was reported. */
  readonly text: string;
}

/** A watch on `files` whose every `changed` call is queued for the test to take. */
function watching(t: { after(fn: () => void): void }, files: string[]) {
  const calls: Change[] = [];
  const waiters: Array<(change: Change) => void> = [];
  const watch = new FolderWatch(100, captureLogs().logger, (changed) => {
    const change = { files: changed, text: readFileSync(files[0]!, "utf8") };
    const waiter = waiters.shift();
    if (waiter) waiter(change);
    else calls.push(change);
  });
  watch.watch(files);
  t.after(() => watch.close());
  return {
    calls,
    // The watch is unref'd (it alone does not keep a gateway running): the timeout keeps the test's loop alive.
    next: () =>
      new Promise<Change>((resolve, reject) => {
        if (calls.length > 0) return resolve(calls.shift()!);
        const timer = setTimeout(() => reject(new Error("no change reported within 10 s")), 10_000);
        waiters.push((change) => {
          clearTimeout(timer);
          resolve(change);
        });
      }),
  };
}

test("a rename-save is seen, other files of the folder are not, and a burst of 20 writes is one change", async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, "catalog.yaml");
  writeFileSync(file, "servers: []\n");
  const watch = watching(t, [file]);

  writeFileSync(path.join(dir, "other.yaml"), "x: 1\n");
  writeFileSync(`${file}.tmp`, "servers: [] # saved\n");
  renameSync(`${file}.tmp`, file);
  assert.deepEqual((await watch.next()).files, [file], "only the watched name, and once");

  for (let index = 0; index < 20; index++) writeFileSync(file, `servers: [] # ${index}\n`);
  assert.equal((await watch.next()).text, "servers: [] # 19\n");
  writeFileSync(file, "servers: [] # after\n");
  assert.equal((await watch.next()).text, "servers: [] # after\n", "the burst was one change, this write the next");
});

test("a Kubernetes volume update (the ..data symlink swapped) is seen", async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, "..v1"));
  writeFileSync(path.join(dir, "..v1", "keys.yaml"), "[]\n");
  symlinkSync("..v1", path.join(dir, "..data"));
  symlinkSync("..data/keys.yaml", path.join(dir, "keys.yaml"));
  const watch = watching(t, [path.join(dir, "keys.yaml")]);

  mkdirSync(path.join(dir, "..v2"));
  writeFileSync(path.join(dir, "..v2", "keys.yaml"), "- { name: a, key: a-long-key-0123456789 }\n");
  symlinkSync("..v2", path.join(dir, "..data_tmp"));
  renameSync(path.join(dir, "..data_tmp"), path.join(dir, "..data"));
  const changed = await watch.next();
  assert.ok(changed.files.some((file) => path.basename(file).startsWith("..data")));
  assert.match(changed.text, /a-long-key/);
});
