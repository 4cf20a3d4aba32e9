import { describeGoldenRule } from "../golden.js";

describeGoldenRule("tag-pushed-by-multiple-builds", { fire: 5, quiet: 6 });
