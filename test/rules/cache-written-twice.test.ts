import { describeGoldenRule } from "../golden.js";

describeGoldenRule("cache-written-twice");
