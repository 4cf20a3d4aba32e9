import { describeGoldenRule } from "../golden.js";

describeGoldenRule("invalid-ignore", { fire: 3, quiet: 2 });
