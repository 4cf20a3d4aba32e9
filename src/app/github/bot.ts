import type { Probot } from "probot";

/**
 * The login under which the App writes (`<slug>[bot]`), from `GET /app` with the App's JWT. Fetched
 * on first use and kept; a failed lookup is retried on the next call.
 */
export function botLoginOf(app: Probot): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    if (cached) return cached;
    const lookup = (async () => {
      const octokit = await app.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      if (!data?.slug) throw new Error("GET /app returned no slug");
      return `${data.slug}[bot]`;
    })();
    cached = lookup;
    lookup.catch(() => {
      if (cached === lookup) cached = undefined;
    });
    return lookup;
  };
}
