import { describeGoldenRule } from "../golden.js";

describeGoldenRule("bake-unknown-attribute");
