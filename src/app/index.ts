import type { Probot } from "probot";

export default function app(probot: Probot): void {
  probot.log.info("tagguard loaded");
}
