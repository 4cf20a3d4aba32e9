import { describeGoldenRule } from "../golden.js";

describeGoldenRule("cache-ref-implicit-latest");
