/** Public API of the reporting layer: report.json/md/html and the training progress plot. */
export type * from './types.js';
export { buildReport, caseIdFromPath, sampleStd } from './aggregate.js';
export { checkReportInput } from './check-input.js';
export { checkTrainingHistory } from '../training/history-format.js';
export { progressPlotSvg, writeProgressPlot } from '../training/progress-plot.js';
export type { ProgressPlotOptions } from '../training/progress-plot.js';
export { caseDiceSvg, foldDiceSvg } from './dice-plots.js';
export { renderMarkdown } from './report-markdown.js';
export { renderHtml } from './report-html.js';
export { reportPlots } from './report-plots.js';
export { writeReport } from './write-report.js';
export type { WrittenReport } from './write-report.js';
export { renderChart, niceTicks } from '../../util/svg-chart.js';
export type { ChartSpec, Series } from '../../util/svg-chart.js';
export { readFoldInput, readTrainingHistory } from './read-inputs.js';
