import { describeGoldenRule } from "../golden.js";

describeGoldenRule("gha-cache-scope-shared");
