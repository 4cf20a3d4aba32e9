import { DOCS } from "../support/docs.js";
import { gitBlobSha1 } from "../../src/verify/index.js";
import { REVISION, SETTINGS_NEW, SETTINGS_OLD } from "../verify/app-fixture.js";
import type { BuiltImage } from "../verify/image-builder.js";
import { NAME } from "./package-harness.js";

/** The stale-image incident for the app fixture (test/verify/app-fixture.ts) published to ghcr.io/acme/app:latest. */
const staleBlob = gitBlobSha1(SETTINGS_OLD).slice(0, 12);
const newBlob = gitBlobSha1(SETTINGS_NEW).slice(0, 12);
export const COMMIT = `https://github.com/${NAME}/commit/${REVISION}`;

export function staleBody(image: BuiltImage): string {
  return [
    `**\`ghcr.io/acme/app:latest\` ships files that are not the files of its revision.** The image records revision [\`0e421ef\`](${COMMIT}), but 1 file under \`/app\` differs from that commit: a build cache most likely served a stale layer. CI stayed green; the image runs old code.`,
    "### What differs",
    `- [\`common/settings.py\`](https://github.com/${NAME}/blob/${REVISION}/common/settings.py) → \`/app/common/settings.py\`: content differs (image blob ${staleBlob}, source blob ${newBlob})`,
    "### Where the stale copy is",
    "The stale copy is in:",
    `- \`${image.layers[2]!.digest}\`, written by \`COPY . /app # buildkit\`; the files come from [Dockerfile:8](https://github.com/${NAME}/blob/${REVISION}/Dockerfile#L8)`,
    "### What was compared",
    [
      `- Image: \`ghcr.io/acme/app@${image.manifest.digest}\` (linux/amd64, manifest \`${image.manifest.digest}\`)`,
      `- Source: [\`0e421ef\`](https://github.com/${NAME}/tree/${REVISION}), context \`.\`, mapping from \`Dockerfile\``,
      "- 6 files compared under `/app`; 1 only in the image (made by the build, not a failure)",
      "- Not compared: `/app/.venv`, written by `--from=builder`",
    ].join("\n"),
    "### Fix",
    "Rebuild the image without the build cache, so every `COPY` reads the commit's files again: `no-cache: true` on `docker/build-push-action` for one run (or a cache bust: a changed build argument before the `COPY`). Then give each build call its own GitHub Actions cache scope, so build calls stop overwriting and serving each other's layers:",
    "```yaml\ncache-from: type=gha,scope=${{ github.workflow }}-<build name>\ncache-to: type=gha,scope=${{ github.workflow }}-<build name>,mode=max\n```",
    `tagguard closes this issue when an image whose files match its revision is published to \`ghcr.io/acme/app:latest\`. [About these incidents](${DOCS}incidents.md#stale-image-incidents), and how to turn them off.`,
    `<!-- tagguard:stale-incident image=ghcr.io/acme/app tag=latest -->\n<!-- tagguard:stale-digest ${image.manifest.digest} -->`,
  ].join("\n\n");
}

