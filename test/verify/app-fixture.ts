import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { gitBlobSha1 } from "../../src/verify/index.js";
import { dirname, join } from "node:path";
import { imageOf, layerOf, type BuiltImage, type TarEntry } from "./image-builder.js";

/** The seed incident's Dockerfile: the runtime stage copies .venv from the builder, then the context into /app. */
export const DOCKERFILE = `FROM python:3.11-slim AS builder
WORKDIR /app
COPY . /app
RUN uv sync --frozen
FROM python:3.11-slim
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY . /app
`;

export const SETTINGS_OLD = "class Settings:\n    DEBUG: bool = False\n";
export const SETTINGS_NEW = "class Settings:\n    DEBUG: bool = False\n    AWS_REGION: str = 'us-east-1'\n";

/** The build context at the new commit: what `git ls-files` would list, minus what .dockerignore drops. */
export const SOURCE_FILES: Record<string, string> = {
  Dockerfile: DOCKERFILE,
  ".dockerignore": ".git\n.github\n**/__pycache__\n*.md\n",
  "common/settings.py": SETTINGS_NEW,
  "main.py": "from common.settings import Settings\n",
  "run.sh": "#!/bin/sh\nexec python main.py\n",
};

/** Writes the context into `dir` (with an ignored README.md and __pycache__, an executable and a symlink). */
export function writeSource(dir: string): void {
  for (const [path, content] of Object.entries({ ...SOURCE_FILES, "README.md": "# app\n", "common/__pycache__/settings.pyc": "pyc" })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  chmodSync(join(dir, "run.sh"), 0o755);
  symlinkSync("main.py", join(dir, "entry.py"));
}

/** What `COPY . /app` puts in the layer for the context (`settings` is the settings.py content baked in). */
function copyLayerEntries(settings: string): TarEntry[] {
  return [
    { name: "app/", type: "directory" },
    { name: "app/Dockerfile", content: DOCKERFILE },
    { name: "app/.dockerignore", content: SOURCE_FILES[".dockerignore"]! },
    { name: "app/common/", type: "directory" },
    { name: "app/common/settings.py", content: settings },
    { name: "app/main.py", content: SOURCE_FILES["main.py"]! },
    { name: "app/run.sh", content: SOURCE_FILES["run.sh"]!, mode: 0o755 },
    { name: "app/entry.py", type: "symlink", linkname: "main.py" },
  ];
}

/**
 * The seed's image: a base layer, the .venv from the builder stage, the `COPY . /app` layer (fresh or stale), and a
 * layer with generated files. Layers alternate gzip and zstd. Labels carry the revision.
 */
export async function appImage(options: { stale: boolean; revision: string }): Promise<BuiltImage> {
  const base = await layerOf([{ name: "etc/os-release", content: "debian" }, { name: "app/", type: "directory" }], "gzip");
  const venv = await layerOf([{ name: "app/.venv/bin/python", content: "elf", mode: 0o755 }], "zstd");
  const copy = await layerOf(copyLayerEntries(options.stale ? SETTINGS_OLD : SETTINGS_NEW), "gzip");
  const generated = await layerOf([{ name: "app/common/__pycache__/settings.cpython-311.pyc", content: "pyc" }], "zstd");
  return imageOf([base, venv, copy, generated], {
    labels: { "org.opencontainers.image.revision": options.revision },
    workingDir: "/app",
    createdBy: ["ADD rootfs.tar.gz / # buildkit", "COPY /app/.venv /app/.venv # buildkit", "COPY . /app # buildkit", "RUN python -m compileall . # buildkit"],
  });
}

/** The commit the images record as their revision. */
export const REVISION = "0e421ef0e421ef0e421ef0e421ef0e421ef0e421";

/** `.github/tagguard.yml` asking the App to verify the image. */
export const VERIFY_CONFIG = "verify:\n  - image: ghcr.io/acme/app\n    path: /app\n";

/** The repository at REVISION as the Git Trees API lists it (recursive): the context plus files it ignores. */
export function sourceTree(): { sha: string; truncated: boolean; tree: { path: string; mode: string; type: string; sha: string; size?: number }[] } {
  const files: Record<string, string> = { ...SOURCE_FILES, "README.md": "# app\n", ".github/tagguard.yml": VERIFY_CONFIG };
  const tree: { path: string; mode: string; type: string; sha: string; size?: number }[] = Object.entries(files).map(([path, content]) => ({
    path,
    mode: path === "run.sh" ? "100755" : "100644",
    type: "blob",
    sha: gitBlobSha1(content),
    size: Buffer.byteLength(content),
  }));
  tree.push({ path: "entry.py", mode: "120000", type: "blob", sha: gitBlobSha1("main.py"), size: 7 });
  tree.push({ path: "common", mode: "040000", type: "tree", sha: "1".repeat(40) });
  return { sha: REVISION, truncated: false, tree: tree.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

/** The Git Blobs API answer for a file of the source tree. */
export function sourceBlob(path: "Dockerfile" | ".dockerignore"): { sha: string; size: number; encoding: string; content: string } {
  const content = SOURCE_FILES[path]!;
  return { sha: gitBlobSha1(content), size: Buffer.byteLength(content), encoding: "base64", content: Buffer.from(content).toString("base64") };
}
