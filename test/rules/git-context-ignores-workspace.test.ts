import { describeGoldenRule } from "../golden.js";

describeGoldenRule("git-context-ignores-workspace", { fire: 5, quiet: 5 });
