import { describeGoldenRule } from "../golden.js";

describeGoldenRule("cache-overwrites-tag", { fire: 11, quiet: 6 });
