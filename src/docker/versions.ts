/**
 * Version parsing as docker/metadata-action does it: `semver` (npm semver: strict `valid`, then the
 * parsed fields) and PEP 440 (@renovate/pep440: validity, normal form, release segments).
 */

export interface SemverInfo {
  major: number;
  minor: number;
  patch: number;
  /** `major.minor.patch` plus `-prerelease`; build metadata excluded. */
  version: string;
  /** The text that was parsed. */
  raw: string;
  prerelease: string[];
  build: string[];
}

const IDENT = "(?:0|[1-9]\\d*|\\d*[a-zA-Z-][a-zA-Z0-9-]*)";
const SEMVER = new RegExp(
  `^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`,
);

/** npm `semver.valid` + `semver.parse`: undefined when the text is not a valid version. */
export function parseSemver(text: string): SemverInfo | undefined {
  const m = SEMVER.exec(text.trim());
  if (!m) return undefined;
  const prerelease = m[4] ? m[4].split(".") : [];
  const core = `${m[1]}.${m[2]}.${m[3]}`;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    version: prerelease.length ? `${core}-${prerelease.join(".")}` : core,
    raw: text,
    prerelease,
    build: m[5] ? m[5].split(".") : [],
  };
}

export interface Pep440Info {
  /** The normal form (`pep440.clean`). */
  clean: string;
  major: number;
  minor: number;
  patch: number;
  /** Pre-, post- or dev release: metadata-action then only emits the normal form (or `{{raw}}`). */
  nonFinal: boolean;
}

const PEP440 =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE_LETTER: Record<string, string> = { a: "a", alpha: "a", b: "b", beta: "b", c: "rc", rc: "rc", pre: "rc", preview: "rc" };

/** PEP 440 validity and normal form; undefined when the text is not a PEP 440 version. */
export function parsePep440(text: string): Pep440Info | undefined {
  const m = PEP440.exec(text);
  if (!m) return undefined;
  const [, epoch, release, preL, preN, postImplicit, postL, postN, devL, devN, local] = m;
  const segments = release.split(".").map(Number);
  let clean = epoch && Number(epoch) !== 0 ? `${Number(epoch)}!` : "";
  clean += segments.join(".");
  if (preL) clean += `${PRE_LETTER[preL.toLowerCase()]}${Number(preN ?? 0)}`;
  const post = postImplicit ?? (postL ? (postN ?? "0") : undefined);
  if (post !== undefined) clean += `.post${Number(post)}`;
  if (devL) clean += `.dev${Number(devN ?? 0)}`;
  if (local) clean += `+${local.toLowerCase().replace(/[-_]/g, ".")}`;
  return {
    clean,
    major: segments[0],
    minor: segments[1] ?? 0,
    patch: segments[2] ?? 0,
    nonFinal: Boolean(preL || devL || post !== undefined),
  };
}
