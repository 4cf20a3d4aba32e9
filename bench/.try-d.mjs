import { serverLoad } from "./server.js";
import { formatTable, formatTargets } from "./support.js";
const r = await serverLoad({ quick: true, seed: 20240501, deliveries: Number(process.argv[2]), inFlight: Number(process.argv[3]), serverEnv: process.argv[4] ? { NODE_OPTIONS: process.argv[4] } : {} });
console.log(formatTable(r.title, r.columns, r.rows)); console.log(formatTable(undefined, r.extraTable.columns, r.extraTable.rows)); console.log(r.notes.join("\n")); console.log(formatTargets(r.targets));
