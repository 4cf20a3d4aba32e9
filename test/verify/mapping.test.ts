import { describe, expect, it } from "@jest/globals";
import { compareTrees, configuredMapping, contextFilter, expectedTree, gitBlobSha1, mapDockerfile, type ContextFile } from "../../src/verify/index.js";
import type { ImageFile, ImageTree } from "../../src/verify/image-tree.js";

const SEED_DOCKERFILE = `# builder
FROM python:3.11-slim AS builder
WORKDIR /app
COPY . /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen
# runtime
FROM python:3.11-slim
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY . /app
`;

const file = (path: string, content: string, executable = false): ContextFile => ({ path, kind: "file", executable, blob: gitBlobSha1(content) });
const CONTEXT: ContextFile[] = [
  file("Dockerfile", SEED_DOCKERFILE),
  file(".dockerignore", ".git\n*.pyc\n"),
  file("common/settings.py", "AWS_REGION = 'us-east-1'\n"),
  file("main.py", "print('hi')\n"),
  file("run.sh", "#!/bin/sh\n", true),
  { path: "current", kind: "symlink", executable: false, blob: gitBlobSha1("main.py") },
];

function expectedPaths(dockerfile: string, context = CONTEXT, path = "/app", baseWorkdir?: string) {
  const mapping = mapDockerfile(dockerfile, path, baseWorkdir === undefined ? {} : { baseWorkdir });
  const tree = expectedTree(context, mapping, path);
  return { files: Object.fromEntries([...tree.files].map(([p, f]) => [p, `${f.source}:${f.line}`])), foreign: tree.foreign };
}

describe("mapDockerfile + expectedTree", () => {
  it("maps the seed's final stage: the context into /app, .venv from the builder stage", () => {
    expect(expectedPaths(SEED_DOCKERFILE)).toEqual({
      files: {
        Dockerfile: "Dockerfile:11",
        ".dockerignore": ".dockerignore:11",
        "common/settings.py": "common/settings.py:11",
        "main.py": "main.py:11",
        "run.sh": "run.sh:11",
        current: "current:11",
      },
      foreign: [{ dir: ".venv", from: "--from=builder", line: 10 }],
    });
  });

  it("follows WORKDIR, single files, directories, wildcards and stages built FROM another", () => {
    const dockerfile = `FROM node:20 AS base
WORKDIR /srv
WORKDIR app
COPY package*.json ./
FROM base
COPY common/ lib/
COPY main.py .
COPY ["run.sh", "bin/start"]
RUN chmod +x bin/start
`;
    const context = [...CONTEXT, file("package.json", "{}"), file("package-lock.json", "{}")];
    expect(expectedPaths(dockerfile, context, "/srv/app")).toEqual({
      files: {
        "package.json": "package.json:4",
        "package-lock.json": "package-lock.json:4",
        "lib/settings.py": "common/settings.py:6",
        "main.py": "main.py:7",
        "bin/start": "run.sh:8",
      },
      foreign: [],
    });
    expect(mapDockerfile(dockerfile, "/srv/app").runsAfterCopy).toEqual([9]);
  });

  it("uses the image's WorkingDir when the stages set none, and ARG/ENV values", () => {
    expect(expectedPaths("FROM python\nARG APP=/opt/svc\nCOPY main.py $APP/\nCOPY run.sh ./\n", CONTEXT, "/opt/svc", "/opt/svc").files).toEqual({
      "main.py": "main.py:3",
      "run.sh": "run.sh:4",
    });
  });

  it.each([
    ["FROM python\nCOPY --from=build /out /app\nCOPY . /app\n", "Dockerfile:2 writes --from=build to /app, which holds /app: the files under /app come from several places; give the mapping explicitly"],
    ["FROM python\nCOPY . /\nADD https://example.com/x.tgz /\n", "Dockerfile:3 writes https://example.com/x.tgz to /, which holds /app: the files under /app come from several places; give the mapping explicitly"],
    ["FROM python\nCOPY . .\n", "Dockerfile:2 copies to the relative path . and the working directory is unknown; give the mapping explicitly"],
    ["FROM python\nCOPY . $DEST\n", "Dockerfile:2 uses $DEST, whose value is not set in the Dockerfile; give the mapping explicitly"],
    ["FROM python\nCOPY . /srv\n", "the final stage of Dockerfile copies nothing from the build context into /app"],
    ["RUN true\n", "Dockerfile has no FROM instruction"],
    ["FROM python\nCOPY nope.txt /app/\n", "Dockerfile:2: nope.txt matches no file of the build context (after .dockerignore)"],
  ])("refuses to guess: %j", (dockerfile, message) => {
    expect(() => expectedPaths(dockerfile)).toThrow(message);
  });

  it("takes a configured mapping instead of the Dockerfile", () => {
    const tree = expectedTree(CONTEXT, configuredMapping([{ from: "common", to: "/app/common" }, { from: "main.py", to: "/app/" }]), "/app");
    expect([...tree.files.keys()]).toEqual(["common/settings.py", "main.py"]);
  });
});

describe("contextFilter applies .dockerignore as Docker does", () => {
  it.each([
    ["node_modules/a/b.js", false],
    ["x/node_modules/y", true],
    ["a.md", false],
    ["README.md", true],
    ["sub/a.md", true],
    ["deep/x/c.pyc", false],
    ["build/out", false],
    ["src/build/out", true],
  ])("%s is in the context: %s", (path, kept) => {
    const inContext = contextFilter("# comment\nnode_modules\n*.md\n!README.md\n**/*.pyc\n/build\n");
    expect(inContext(path)).toBe(kept);
  });
});

describe("compareTrees", () => {
  const image = (files: Record<string, Partial<ImageFile> & { content?: string }>): ImageTree => ({
    files: new Map(
      Object.entries(files).map(([path, f]) => [
        path,
        { kind: "file", mode: 0o644, size: 0, blob: gitBlobSha1(f.content ?? ""), linkTarget: null, layer: "sha256:top", ...f },
      ]),
    ),
    layersRead: [],
    layersSkipped: [],
    bytesRead: 0,
  });

  it("reports stale content, missing files, symlink and mode differences, and summarises extra files", () => {
    const expected = expectedTree(CONTEXT, mapDockerfile(SEED_DOCKERFILE, "/app"), "/app");
    const result = compareTrees(
      expected,
      image({
        Dockerfile: { content: SEED_DOCKERFILE },
        ".dockerignore": { content: ".git\n*.pyc\n" },
        "common/settings.py": { content: "# stale\n", layer: "sha256:stale" },
        "run.sh": { content: "#!/bin/sh\n", mode: 0o644 },
        current: { kind: "symlink", blob: gitBlobSha1("other.py"), linkTarget: "other.py" },
        ".venv/bin/python": { content: "elf" },
        "__pycache__/main.cpython-311.pyc": { content: "pyc" },
      }),
    );
    expect(result).toEqual({
      identical: false,
      compared: 5,
      differences: [
        {
          path: "common/settings.py",
          source: "common/settings.py",
          line: 11,
          reason: "content",
          expectedBlob: gitBlobSha1("AWS_REGION = 'us-east-1'\n"),
          imageBlob: gitBlobSha1("# stale\n"),
          layer: "sha256:stale",
          detail: `content differs (image blob ${gitBlobSha1("# stale\n").slice(0, 12)}, source blob ${gitBlobSha1("AWS_REGION = 'us-east-1'\n").slice(0, 12)})`,
        },
        {
          path: "current",
          source: "current",
          line: 11,
          reason: "link",
          expectedBlob: gitBlobSha1("main.py"),
          imageBlob: gitBlobSha1("other.py"),
          layer: "sha256:top",
          detail: "symlink points to other.py, the source's does not",
        },
        {
          path: "run.sh",
          source: "run.sh",
          line: 11,
          reason: "mode",
          expectedBlob: gitBlobSha1("#!/bin/sh\n"),
          imageBlob: gitBlobSha1("#!/bin/sh\n"),
          layer: "sha256:top",
          detail: "executable in the source, mode 0644 in the image",
        },
      ],
      missing: [{ path: "main.py", source: "main.py", line: 11 }],
      onlyInImage: { count: 1, sample: ["__pycache__/main.cpython-311.pyc"] },
      fromOtherStages: [{ dir: ".venv", from: "--from=builder", line: 10, files: 1 }],
    });
  });
});
