/**
 * Recovers deliveries that never became jobs. GitHub does not redeliver on its own: a delivery refused with 503
 * (during a shutdown, while the store was down) or never answered (no instance running) stays failed in the App's
 * delivery log, where GitHub keeps it for 3 days. At start and every `intervalMs`, each instance lists the log
 * (`GET /app/hook/deliveries`) and asks GitHub to resend the failed deliveries the store has no job for
 * (`POST /app/hook/deliveries/{id}/attempts`). A row in `tagguard.redeliveries` decides, so each is resent once,
 * whichever instance sweeps first.
 */

import type { Probot } from "probot";
import type { Logger } from "pino";
import { summarizeError } from "./keyed.js";
import type { Store } from "./store.js";

/** How long GitHub keeps deliveries, and so how far back the sweep looks and how long the store keeps ids. */
export const DELIVERY_LOG_MS = 3 * 24 * 60 * 60 * 1000;
/** Pages of 100 deliveries read per sweep at most. */
const MAX_PAGES = 50;

/** One entry of the App's delivery log (the fields the sweep reads). */
export interface LoggedDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
}

/**
 * The attempts to resend: per delivery (guid) that no attempt delivered (2xx) and the store has no job for, its
 * latest attempt.
 */
export function toRedeliver(log: readonly LoggedDelivery[], stored: ReadonlySet<string>): LoggedDelivery[] {
  const byGuid = new Map<string, LoggedDelivery[]>();
  for (const d of log) {
    const list = byGuid.get(d.guid);
    if (list) list.push(d);
    else byGuid.set(d.guid, [d]);
  }
  const out: LoggedDelivery[] = [];
  for (const [guid, attempts] of byGuid) {
    if (stored.has(guid) || attempts.some((a) => a.status_code >= 200 && a.status_code < 300)) continue;
    out.push(attempts.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) || (b.delivered_at === a.delivered_at && b.id > a.id) ? b : a)));
  }
  return out.sort((a, b) => a.id - b.id);
}

export class DeliveryRecovery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly app: Probot,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: { intervalMs: number; now(): number },
  ) {}

  /** Sweeps now and every `intervalMs` until `stop`. */
  start(): void {
    const sweep = () => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err: unknown) => this.log.warn({ error: summarizeError(err) }, "tagguard: the delivery recovery sweep failed; it runs again later"))
        .finally(() => (this.running = undefined));
    };
    sweep();
    this.timer = setInterval(sweep, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; resolves with the number of deliveries GitHub was asked to resend. */
  async sweep(): Promise<number> {
    const since = this.options.now() - DELIVERY_LOG_MS;
    const octokit = await this.app.auth();
    const log: LoggedDelivery[] = [];
    let pages = 0;
    for await (const page of octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
      const recent = page.data.filter((d) => Date.parse(d.delivered_at) >= since);
      log.push(...recent);
      pages += 1;
      if (recent.length < page.data.length || pages >= MAX_PAGES) break;
    }
    await this.store.pool.query("delete from tagguard.deliveries where received_at < to_timestamp($1 / 1000.0)", [since]);
    await this.store.pool.query("delete from tagguard.redeliveries where requested_at < to_timestamp($1 / 1000.0)", [since]);
    const guids = [...new Set(log.map((d) => d.guid))];
    const { rows } = await this.store.pool.query<{ id: string }>(
      "select id from tagguard.deliveries where id = any($1::text[]) union select guid from tagguard.redeliveries where guid = any($1::text[])",
      [guids],
    );
    let resent = 0;
    for (const attempt of toRedeliver(log, new Set(rows.map((r) => r.id)))) {
      const claim = await this.store.pool.query("insert into tagguard.redeliveries (guid) values ($1) on conflict (guid) do nothing returning guid", [attempt.guid]);
      if (claim.rowCount === 0) continue;
      try {
        await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: attempt.id });
      } catch (err) {
        await this.store.pool.query("delete from tagguard.redeliveries where guid = $1", [attempt.guid]);
        throw err;
      }
      this.log.info({ deliveryId: attempt.guid, attempt: attempt.id, status: attempt.status_code }, "tagguard: asked GitHub to resend a failed delivery");
      resent += 1;
    }
    return resent;
  }
}
