/**
 * Why a verification cannot conclude (exit 2, never an incident): a limit reached, content that is not a usable
 * layer, a Dockerfile or mapping tagguard will not guess about.
 */
export type VerifyErrorKind =
  /** The download budget, time budget, uncompressed size or file count cap was reached. */
  | "limit"
  /** A layer is corrupt, of an unsupported type, or does not match its digest. */
  | "invalid-layer"
  /** The image has no layers, or the path is not a directory in it. */
  | "no-content"
  /** The Dockerfile cannot be read or mapped onto the path without guessing. */
  | "mapping";

export class VerifyError extends Error {
  constructor(
    readonly kind: VerifyErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "VerifyError";
  }
}
