import { describeGoldenRule } from "../golden.js";

describeGoldenRule("untagged-cleanup-breaks-index", { fire: 6, quiet: 6 });
