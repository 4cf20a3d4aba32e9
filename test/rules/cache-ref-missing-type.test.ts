import { describeGoldenRule } from "../golden.js";

describeGoldenRule("cache-ref-missing-type");
