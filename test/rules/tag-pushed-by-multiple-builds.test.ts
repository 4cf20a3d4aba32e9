import { describeGoldenRule } from "../golden.js";

describeGoldenRule("tag-pushed-by-multiple-builds", { fire: 8, quiet: 9 });
