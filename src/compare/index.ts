/**
 * compare: a run against a baseline run, cell by cell (nightly CI). types.ts → the shapes;
 * time-test.ts (absolute), ratio-test.ts and reference.ts (relative to `none` in the same
 * run), control.ts (the control and the calibration) and verdicts.ts → pure decisions
 * (statistics from src/stats/); markdown.ts → exporters; io.ts → files.
 * Must not: run builds or read anything but results.json files.
 */
export * from './types.ts';
export { mannWhitneyU, type MannWhitneyResult } from '../stats/mann-whitney.ts';
export { normalSf } from '../stats/normal.ts';
export { diffLogRatios, logRatio, logRatioError, type LogRatio, type LogRatioDiff, type TimedBuild } from '../stats/ratio.ts';
export { grossFallbackApplies, timeTest, type TimeTest } from './time-test.ts';
export { ratioTest, type RatioTest } from './ratio-test.ts';
export { CONTROL_MODE, referenceOf, type ReferenceOutcome } from './reference.ts';
export { environmentView } from './control.ts';
export { pooledCalibration as calibrationSummary } from '../results/calibration.ts';
export { cellSide, compareResults, decisionRule, resolveCompareOptions } from './verdicts.ts';
export { environmentWarnings } from '../results/environment.ts';
export { appendJobSummary, COMPARISON_FILES, defaultBaselinePath, defaultCompareOutDir, loadAndCompare, saveBaseline, writeComparison } from './io.ts';
export { renderBenchmarkJson, renderComparisonMarkdown } from './markdown.ts';
