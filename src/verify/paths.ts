/**
 * Image and context paths are compared as slash-separated names without a leading slash: `/app/src/` and
 * `./app//src` are both `app/src`; `..` cannot climb above the root; the root itself is `""`.
 */
export function normalizeImagePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

/** `""`, `a`, `a/b`, `a/b/c` for `a/b/c`: the root, every parent, the name itself. */
export function ancestorsOrSelf(name: string): string[] {
  const out = [""];
  if (name === "") return out;
  let at = name.indexOf("/");
  while (at >= 0) {
    out.push(name.slice(0, at));
    at = name.indexOf("/", at + 1);
  }
  out.push(name);
  return out;
}

/** True when `name` is `root` or lies below it. */
export function isUnder(name: string, root: string): boolean {
  return root === "" || name === root || name.startsWith(`${root}/`);
}

/** `name` relative to `root` (which it must be under); `""` for the root itself. */
export function relativeTo(name: string, root: string): string {
  if (root === "") return name;
  return name === root ? "" : name.slice(root.length + 1);
}
