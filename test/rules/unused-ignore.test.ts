import { describeGoldenRule } from "../golden.js";

describeGoldenRule("unused-ignore", { fire: 3, quiet: 2 });
