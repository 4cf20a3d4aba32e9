import { describe, expect, it } from "@jest/globals";
import { Readable } from "node:stream";
import { gitBlobSha1 } from "../../src/verify/git-blob.js";
import { readImageTree, type LayerRef } from "../../src/verify/image-tree.js";
import { layerOf, type BuiltBlob, type Compression, type TarEntry } from "./image-builder.js";

async function read(layers: BuiltBlob[], root = "/app", limits = {}) {
  const opened: string[] = [];
  const byDigest = new Map(layers.map((l) => [l.digest, l]));
  const tree = await readImageTree(layers, root, async (layer: LayerRef) => {
    opened.push(layer.digest);
    return Readable.from([byDigest.get(layer.digest)!.bytes]);
  }, limits);
  const files = Object.fromEntries(
    [...tree.files].sort(([a], [b]) => a.localeCompare(b)).map(([path, f]) => [path, `${f.kind} ${f.mode.toString(8)} ${f.blob?.slice(0, 12) ?? "-"}${f.linkTarget === null ? "" : ` -> ${f.linkTarget}`} @${layers.findIndex((l) => l.digest === f.layer)}`]),
  );
  return { files, opened: opened.map((d) => layers.findIndex((l) => l.digest === d)), tree };
}

const h = (text: string) => gitBlobSha1(text).slice(0, 12);

describe("readImageTree", () => {
  it.each<Compression>(["gzip", "zstd", "none"])("reads %s layers top first and keeps only files under the path", async (compression) => {
    const base = await layerOf(
      [
        { name: "etc/passwd", content: "root" },
        { name: "app/", type: "directory" },
        { name: "app/main.py", content: "old" },
        { name: "app/lib/util.py", content: "util" },
      ],
      compression,
    );
    const top = await layerOf(
      [
        { name: "./app/main.py", content: "new" },
        { name: "app/run.sh", content: "#!/bin/sh", mode: 0o755 },
        { name: "app/current", type: "symlink", linkname: "lib/util.py" },
      ],
      compression,
    );
    const { files, opened } = await read([base, top]);
    expect(files).toEqual({
      current: `symlink 644 ${h("lib/util.py")} -> lib/util.py @1`,
      "lib/util.py": `file 644 ${h("util")} @0`,
      "main.py": `file 644 ${h("new")} @1`,
      "run.sh": `file 755 ${h("#!/bin/sh")} @1`,
    });
    expect(opened).toEqual([1, 0]);
  });

  it.each<Compression>(["gzip", "zstd"])("hashes large %s files that span many compressed blocks and chunks", async (compression) => {
    let seed = 7;
    const big = Buffer.alloc(3 * 1024 * 1024, 0);
    for (let i = 0; i < big.length; i += 1) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      big[i] = seed % 7 === 0 ? seed & 0xff : 97 + (i % 13);
    }
    const layer = await layerOf([{ name: "app/big.bin", content: big }, { name: "app/small", content: "s" }], compression);
    const chunks = Array.from({ length: Math.ceil(layer.size / 1000) }, (_, i) => layer.bytes.subarray(i * 1000, (i + 1) * 1000));
    const tree = await readImageTree([layer], "/app", async () => Readable.from(chunks));
    expect([tree.files.get("big.bin")?.blob, tree.files.get("small")?.blob]).toEqual([gitBlobSha1(big), gitBlobSha1("s")]);
  });

  it("applies whiteouts and opaque directories, whatever their order in the layer", async () => {
    const base = await layerOf([
      { name: "app/a.txt", content: "a" },
      { name: "app/gone.txt", content: "x" },
      { name: "app/cache/1", content: "1" },
      { name: "app/cache/2", content: "2" },
      { name: "app/data/keep", content: "k" },
    ]);
    const top = await layerOf([
      { name: "app/cache/new", content: "n" },
      { name: "app/cache/.wh..wh..opq", content: "" },
      { name: "app/.wh.gone.txt", content: "" },
      { name: "app/.wh.data", content: "" },
    ]);
    expect((await read([base, top])).files).toEqual({
      "a.txt": `file 644 ${h("a")} @0`,
      "cache/new": `file 644 ${h("n")} @1`,
    });
  });

  it("does not fetch lower layers once the path is opaque or deleted above them", async () => {
    const lower = await layerOf([{ name: "app/old", content: "old" }]);
    const middle = await layerOf([{ name: ".wh.app", content: "" }]);
    const top = await layerOf([{ name: "app/new", content: "new" }]);
    const result = await read([lower, middle, top]);
    expect([result.files, result.opened, result.tree.layersSkipped]).toEqual([{ new: `file 644 ${h("new")} @2` }, [2, 1], [lower.digest]]);
    const opaqueRoot = await layerOf([{ name: "app/.wh..wh..opq", content: "" }, { name: "app/x", content: "x" }]);
    expect((await read([lower, opaqueRoot])).opened).toEqual([1]);
  });

  it("gives a hard link its target's blob, and replaces a directory by a file", async () => {
    const base = await layerOf([{ name: "app/conf/a", content: "a" }]);
    const top = await layerOf([
      { name: "app/bin/tool", content: "tool", mode: 0o755 },
      { name: "app/bin/alias", type: "link", linkname: "app/bin/tool", mode: 0o755 },
      { name: "app/conf", content: "now a file" },
    ]);
    expect((await read([base, top])).files).toEqual({
      "bin/alias": `file 755 ${h("tool")} -> /app/bin/tool @1`,
      "bin/tool": `file 755 ${h("tool")} @1`,
      conf: `file 644 ${h("now a file")} @1`,
    });
  });

  it("hashes only the files asked for, listing the others", async () => {
    const layer = await layerOf([
      { name: "app/main.py", content: "main" },
      { name: "app/node_modules/x/index.js", content: "x" },
      { name: "app/node_modules/x/alias.js", type: "link", linkname: "app/node_modules/x/index.js" },
    ]);
    const tree = await readImageTree([layer], "/app", async () => Readable.from([layer.bytes]), { hashes: (path) => !path.startsWith("node_modules/") });
    expect([...tree.files].map(([path, f]) => [path, f.blob, f.size])).toEqual([
      ["main.py", gitBlobSha1("main"), 4],
      ["node_modules/x/index.js", null, 1],
      ["node_modules/x/alias.js", null, 0],
    ]);
  });

  it("refuses a path that is a symlink in the image", async () => {
    const layer = await layerOf([{ name: "app", type: "symlink", linkname: "/srv/app" }]);
    await expect(read([layer])).rejects.toThrow(`/app is a symlink to /srv/app in the image (layer ${layer.digest}), not a directory`);
  });

  it("checks each layer against its digest and size", async () => {
    const layer = await layerOf([{ name: "app/a", content: "a" }]);
    const forged = { ...layer, digest: `sha256:${"0".repeat(64)}` };
    await expect(
      readImageTree([forged], "/app", async () => Readable.from([layer.bytes])),
    ).rejects.toThrow(`layer sha256:${"0".repeat(64)}: content hashes to ${layer.digest}`);
    await expect(readImageTree([{ ...layer, size: 10 }], "/app", async () => Readable.from([layer.bytes]))).rejects.toThrow(
      `layer ${layer.digest} is longer than its descriptor's 10 bytes`,
    );
  });

  it("says what is wrong with a corrupt or unsupported layer", async () => {
    const garbage = Buffer.from("not gzip at all");
    const { createHash } = await import("node:crypto");
    const digest = `sha256:${createHash("sha256").update(garbage).digest("hex")}`;
    const corrupt = { digest, size: garbage.byteLength, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" };
    await expect(readImageTree([corrupt], "/app", async () => Readable.from([garbage]))).rejects.toThrow(`layer ${digest}: incorrect header check`);
    await expect(
      readImageTree([{ ...corrupt, mediaType: "application/vnd.in-toto+json" }], "/app", async () => Readable.from([garbage])),
    ).rejects.toThrow(`layer ${digest} has media type application/vnd.in-toto+json, not a tar layer (gzip, zstd or uncompressed)`);
    await expect(readImageTree([], "/app", async () => Readable.from([]))).rejects.toThrow("the image has no layers");
  });

  it("stops at the download budget, the uncompressed cap and the file cap", async () => {
    const entries: TarEntry[] = Array.from({ length: 5 }, (_, i) => ({ name: `app/f${i}`, content: "x".repeat(1000) }));
    const layer = await layerOf(entries);
    await expect(read([layer], "/app", { maxDownloadBytes: layer.size - 1 })).rejects.toThrow(
      `download budget of ${layer.size - 1} bytes reached: layer ${layer.digest} (${layer.size} bytes) would bring the total to ${layer.size}`,
    );
    await expect(read([layer], "/app", { maxUncompressedBytes: 2048 })).rejects.toThrow(
      `layer ${layer.digest}: the layers decompress to more than 2048 bytes`,
    );
    await expect(read([layer], "/app", { maxFiles: 4 })).rejects.toThrow("more than 4 files under /app");
  });
});
