/**
 * Pairs of builds, cache writers or pushed refs the repository-wide rules compare. Rules compare only within an
 * index bucket, so this grows with the repository and the findings, never with every pair: the tests count it
 * (test/rules/linear.test.ts). It only counts; nothing reads it to decide.
 */
export const comparisons = { pairs: 0 };
