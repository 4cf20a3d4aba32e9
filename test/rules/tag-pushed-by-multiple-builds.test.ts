import { describeGoldenRule } from "../golden.js";

describeGoldenRule("tag-pushed-by-multiple-builds", { fire: 10, quiet: 11 });
