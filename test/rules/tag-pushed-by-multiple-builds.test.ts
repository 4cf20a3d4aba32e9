import { describeGoldenRule } from "../golden.js";

describeGoldenRule("tag-pushed-by-multiple-builds", { fire: 7, quiet: 8 });
