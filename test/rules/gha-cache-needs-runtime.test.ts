import { describeGoldenRule } from "../golden.js";

describeGoldenRule("gha-cache-needs-runtime", { fire: 3, quiet: 4 });
