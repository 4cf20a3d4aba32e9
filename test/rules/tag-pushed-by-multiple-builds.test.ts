import { describeGoldenRule } from "../golden.js";

describeGoldenRule("tag-pushed-by-multiple-builds", { fire: 11, quiet: 11 });
