import { describeGoldenRule } from "../golden.js";

describeGoldenRule("uppercase-image-ref");
