import { describeGoldenRule } from "../golden.js";

describeGoldenRule("cache-overwrites-tag", { fire: 12, quiet: 7 });
