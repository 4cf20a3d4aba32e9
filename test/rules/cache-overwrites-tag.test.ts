import { describeGoldenRule } from "../golden.js";

describeGoldenRule("cache-overwrites-tag", { fire: 10, quiet: 5 });
