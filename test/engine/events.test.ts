import { describe, expect, it } from "@jest/globals";
import { eventCases } from "../../src/engine/events.js";
import type { Trigger } from "../../src/workflow/model.js";
import { parseWorkflow } from "../../src/workflow/model.js";
import { YamlFile } from "../../src/workflow/yaml.js";

function triggers(on: string): Trigger[] {
  return parseWorkflow(new YamlFile(".github/workflows/w.yml", `${on}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`)).triggers;
}

const kinds = (on: string) => eventCases(triggers(on)).map((c) => `${c.eventName} ${c.refKind} ${c.ref ?? "*"}`);

describe("eventCases", () => {
  it("runs a push filtered by branches only for branches, and by tags only for tags, ignore lists included", () => {
    expect(kinds("on:\n  push:\n    branches: [main]")).toEqual(["push branch refs/heads/main"]);
    expect(kinds("on:\n  push:\n    branches-ignore: [main]")).toEqual(["push branch *"]);
    expect(kinds("on:\n  push:\n    tags-ignore: ['v*']")).toEqual(["push tag *"]);
    expect(kinds("on:\n  push:\n    branches-ignore: [main]\n    tags: ['v*']")).toEqual(["push branch *", "push tag *"]);
    expect(kinds("on: push")).toEqual(["push branch *", "push tag *"]);
  });
});
