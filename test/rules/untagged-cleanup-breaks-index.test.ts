import { describeGoldenRule } from "../golden.js";

describeGoldenRule("untagged-cleanup-breaks-index", { fire: 7, quiet: 7 });
