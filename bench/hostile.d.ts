// Types of hostile.js, for test/engine/bounded.test.ts.
export interface File {
  path: string;
  text: string;
}
export function bakeDiamondInherits(levels?: number): File[];
export function bakeDiamondGroups(levels?: number): File[];
export function hclDoublingVariables(count?: number): File[];
export function compositeFanout(count?: number, fanout?: number): File[];
export function reusableFanout(count?: number, fanout?: number): File[];
export function heavyMatrix(jobs?: number, builds?: number): File[];
export function heavyMetadata(jobs?: number, steps?: number): File[];
export function compositeTree(count?: number, levels?: number): File[];
export const HOSTILE: Record<string, () => File[]>;
