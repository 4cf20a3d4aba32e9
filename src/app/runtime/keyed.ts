/** What is safe to log about an error: never request headers (they carry tokens). */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & { status?: unknown; request?: { method?: unknown; url?: unknown } };
  return {
    type: e.name,
    message: e.message,
    ...(typeof e.status === "number" ? { status: e.status } : {}),
    ...(typeof e.request?.method === "string" ? { method: e.request.method } : {}),
    ...(typeof e.request?.url === "string" ? { url: e.request.url } : {}),
    stack: e.stack,
  };
}

/** `describeError` without the stack, for warnings about faults that are handled (retries). */
export function summarizeError(err: unknown): Record<string, unknown> {
  const described = describeError(err);
  delete described.stack;
  return described;
}
