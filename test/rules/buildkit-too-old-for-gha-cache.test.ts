import { describeGoldenRule } from "../golden.js";

describeGoldenRule("buildkit-too-old-for-gha-cache");
