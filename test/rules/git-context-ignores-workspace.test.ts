import { describeGoldenRule } from "../golden.js";

describeGoldenRule("git-context-ignores-workspace", { fire: 6, quiet: 6 });
