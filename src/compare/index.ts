/**
 * compare: a run against a baseline run, cell by cell (nightly CI). types.ts → the shapes;
 * time-test.ts and verdicts.ts → pure decisions (statistics from src/stats/); markdown.ts →
 * exporters; io.ts → files.
 * Must not: run builds or read anything but results.json files.
 */
export * from './types.ts';
export { mannWhitneyU, type MannWhitneyResult } from '../stats/mann-whitney.ts';
export { normalSf } from '../stats/normal.ts';
export { grossFallbackApplies, timeTest, type TimeTest } from './time-test.ts';
export { cellSide, compareResults, decisionRule, resolveCompareOptions } from './verdicts.ts';
export { environmentWarnings } from '../results/environment.ts';
export { appendJobSummary, COMPARISON_FILES, defaultBaselinePath, defaultCompareOutDir, loadAndCompare, saveBaseline, writeComparison } from './io.ts';
export { renderBenchmarkJson, renderComparisonMarkdown } from './markdown.ts';
